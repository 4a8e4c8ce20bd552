/// A module trained with the encoder whose weights live in a module folder of their own (`<path>/model.safetensors`,
/// its parameters named `<path>/<tensor>`): `Dense` heads, the token head, AligneR's salience heads.
public protocol TrainableModule: AnyObject, Sendable {
    /// The module folder, relative to the model folder.
    var path: String { get }
    /// Its trainable tensors.
    var parameters: [Parameter] { get }
}
