// Tesseract's C API and Leptonica (image decoding), from Debian's libtesseract-dev / libleptonica-dev.
#include <tesseract/capi.h>
#include <allheaders.h>
