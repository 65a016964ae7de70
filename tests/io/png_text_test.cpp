#include "diffuse/io/png_text.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/image.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

using testing::read_text;

TEST(PngText, ChunksRoundTripAndTheImageStillDecodes) {
  const std::string path = testing::temporary_directory("png_text") + "/a.png";
  const torch::Tensor image = torch::rand({1, 5, 7});
  const PngText text{{"sampler", "ddim"}, {"seed", "42"}, {"run", "runs/été"}, {"Software", "Diffuse"}};
  save_png(path, image, text);
  EXPECT_EQ(read_png_text(read_text(path)), text);
  const torch::Tensor back = load_image(path);
  EXPECT_TRUE(back.sizes() == image.sizes());
  // Half an 8-bit level in the data scale [-1, 1]: the pixels are untouched by the chunks.
  EXPECT_LE((back - image).abs().max().item<double>(), 1.0 / 255.0 + 1e-6);
}

TEST(PngText, AnImageWithoutTextHasNone) {
  const std::string path = testing::temporary_directory("png_text_none") + "/b.png";
  save_png(path, torch::zeros({3, 2, 2}));
  EXPECT_TRUE(read_png_text(read_text(path)).empty());
}

TEST(PngText, KeywordsMustBePrintableAsciiOfAtMost79Characters) {
  const std::string png = encode_png(std::vector<std::uint8_t>(4, 0).data(), 2, 2, 1);
  EXPECT_THROW(with_png_text(png, {{"", "x"}}), Error);
  EXPECT_THROW(with_png_text(png, {{std::string(80, 'k'), "x"}}), Error);
  EXPECT_THROW(with_png_text(png, {{"new\nline", "x"}}), Error);
  EXPECT_NO_THROW(with_png_text(png, {{std::string(79, 'k'), ""}}));
  EXPECT_THROW(with_png_text("not a png", {{"a", "b"}}), Error);
}

TEST(PngText, ATruncatedFileIsAnError) {
  const std::string png = with_png_text(encode_png(std::vector<std::uint8_t>(4, 0).data(), 2, 2, 1), {{"k", "v"}});
  EXPECT_THROW(read_png_text(png.substr(0, 62)), Error);  // inside the image data chunk that follows the text
}

}  // namespace
}  // namespace diffuse
