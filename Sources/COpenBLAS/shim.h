#include <cblas.h>
// Declared by OpenBLAS; used to keep BLAS single-threaded while Tessera runs its own threads.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
