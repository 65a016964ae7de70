#include "diffuse/util/base64.h"

#include <gtest/gtest.h>

namespace diffuse {
namespace {

// RFC 4648, section 10: the test vectors.
TEST(Base64, RfcTestVectorsBothWays) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(encode_base64(plain), encoded);
    EXPECT_EQ(decode_base64(encoded), std::optional<std::string>(plain)) << encoded;
  }
}

TEST(Base64, EveryByteValueRoundTripsAndPaddingMayBeLeftOut) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t length = 0; length <= bytes.size(); length += 37) {
    const std::string part = bytes.substr(0, length);
    std::string text = encode_base64(part);
    EXPECT_EQ(decode_base64(text), std::optional<std::string>(part));
    while (!text.empty() && text.back() == '=') text.pop_back();
    EXPECT_EQ(decode_base64(text), std::optional<std::string>(part));
  }
}

TEST(Base64, DataUrlsGiveTheirPayload) {
  EXPECT_EQ(decode_base64("data:image/png;base64,Zm9v"), std::optional<std::string>("foo"));
  EXPECT_EQ(decode_base64("data:text/plain,foo"), std::nullopt);  // not base64
  EXPECT_EQ(decode_base64("data:image/png;base64"), std::nullopt);
}

TEST(Base64, RefusesWhatNoEncoderWrites) {
  // "Zh==" and "Zm9=" carry bits past their last byte that no encoder sets.
  for (const char* bad : {"Zm9v!", "Zm 9v", "Z", "Zm9vY", "Zm=v", "Zg===", "Zg=", "Zm9v\n", "-_8=", "Zh==", "Zm9="}) {
    EXPECT_EQ(decode_base64(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace diffuse
