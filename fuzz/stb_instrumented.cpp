// stb_image and stb_image_write compiled from Debian's headers into the
// fuzz build, so the decoders are instrumented for coverage and checked by
// the sanitizers (the shared libstb the library links is neither).
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_write.h>
