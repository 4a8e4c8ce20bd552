// tessera-bench: benchmark programs that need no Python (synthetic scale runs).
print("usage: tessera-bench <benchmark> (none yet)")
