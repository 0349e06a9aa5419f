// Tesseract's C API and Leptonica (image decoding), from Debian's libtesseract-dev / libleptonica-dev.
#include <tesseract/capi.h>
#include <allheaders.h>

// Debian's Tesseract parallelises inside one page with OpenMP (libgomp); Zhiku runs pages side by side instead
// and limits each recognition thread to itself.
extern void omp_set_num_threads(int num_threads);
extern void omp_set_max_active_levels(int max_levels);
