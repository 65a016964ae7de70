#include "diffuse/serve/restore_job.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/image.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/util/base64.h"
#include "diffuse/util/error.h"
#include "tiny_unet.h"

namespace diffuse {
namespace {

// PNG bytes of a [C, H, W] image in the data scale.
std::string png(const torch::Tensor& image) { return encode_png(image); }

torch::Tensor decode(const std::string& bytes) {
  return decode_image(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "a result");
}

// A grey 8 x 8 image run of the tiny U-Net (random weights: the tests check
// the plumbing, the apps' own tests the restorations).
ServedRun image_run() {
  ServedRun run;
  run.name = "tiny";
  run.kind = "image";
  run.config.model = testing::tiny_unet();
  run.config.schedule.num_timesteps = 100;
  return run;
}

JobRequest request(const std::string& json) { return parse_job_request(nlohmann::json::parse(json), ServeLimits{}); }

std::string with_image(const std::string& task, const torch::Tensor& image, const std::string& more = "") {
  return R"({"run": "tiny", "task": ")" + task + R"(", "image": "data:image/png;base64,)" + encode_base64(png(image)) +
         "\"" + more + "}";
}

void expect_error(const std::function<void()>& action, const std::string& naming) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one naming " << naming;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(naming), std::string::npos) << e.what();
  }
}

class CountingProgress final : public JobProgress {
 public:
  void set_progress(int64_t done, int64_t total) override {
    this->done = done;
    this->total = total;
  }
  void set_preview(std::string png) override { previews += png.empty() ? 0 : 1; }
  bool cancelled() const override { return cancel; }
  int64_t done = 0, total = 0, previews = 0;
  bool cancel = false;
};

TEST(RestorationRequest, EachTaskTakesItsOwnFields) {
  const torch::Tensor grey = torch::zeros({1, 8, 8});
  const JobRequest denoise = request(with_image("denoise", grey, R"(, "sigma": 25, "method": "ddim")"));
  EXPECT_EQ(denoise.task, JobTask::kDenoise);
  EXPECT_EQ(*denoise.image, png(grey));
  EXPECT_EQ(denoise.sigma.value(), 25.0);
  EXPECT_EQ(denoise.steps, 20);  // the denoise command's default
  EXPECT_EQ(denoise.num, 1);
  const nlohmann::json echoed = denoise.to_json();
  EXPECT_EQ(echoed["image_bytes"], png(grey).size());
  EXPECT_FALSE(echoed.contains("image"));  // a snapshot never carries the upload
  EXPECT_FALSE(request(with_image("denoise", grey, R"(, "sigma": "auto")")).sigma.has_value());
  EXPECT_EQ(request(with_image("inpaint", grey, R"(, "mask": ")" + encode_base64(png(grey)) + "\"")).steps, 50);
  EXPECT_EQ(request(with_image("upscale", grey, R"(, "scale": 3)")).scale, 3);

  const auto refused = [](const std::string& json, const std::string& naming) {
    expect_error([&] { request(json); }, naming);
  };
  refused(with_image("denoise", grey, R"(, "mask": "AAAA")"), "does not apply to task denoise");
  refused(with_image("upscale", grey, R"(, "class": 1)"), "does not apply to task upscale");
  refused(with_image("sample", grey), "does not apply to task sample");
  refused(R"({"run": "tiny", "task": "denoise"})", "needs \"image\"");
  refused(R"({"run": "tiny", "task": "denoise", "image": "not base64!"})", "not base64");
  refused(R"({"run": "tiny", "task": "denoise", "image": 5})", "\"image\" must be");
  refused(R"({"run": "tiny", "task": "paint"})", "unknown task");
  refused(with_image("denoise", grey, R"(, "method": "magic")"), "unknown method");
  refused(with_image("denoise", grey, R"(, "sigma": -1)"), "\"sigma\"");
  refused(with_image("upscale", grey, R"(, "scale": 16)"), "\"scale\"");
  refused(with_image("img2img", grey, R"(, "strength": 1.5)"), "\"strength\"");
  refused(with_image("inpaint", grey), "needs \"mask\"");
}

TEST(RestorationInput, FitsTheUploadToTheRunAndRefusesWhatCannotRun) {
  const ServedRun run = image_run();
  ServeLimits limits;
  // Colour on a grey model: its luma.
  const torch::Tensor colour = torch::stack({torch::full({8, 8}, 1.0), torch::full({8, 8}, -1.0), torch::full({8, 8}, -1.0)});
  const RestorationInput input = decode_restoration_input(request(with_image("denoise", colour)), run, limits);
  ASSERT_EQ(input.image.sizes(), (std::vector<int64_t>{1, 8, 8}));
  EXPECT_NEAR(input.image[0][0][0].item<double>(), 0.299 * 1.0 - 0.701, 1e-2);
  // A mask: white is generated.
  torch::Tensor mask = torch::full({1, 8, 8}, -1.0);
  mask.slice(1, 2, 5).slice(2, 3, 6).fill_(1.0);
  const std::string with_mask = R"(, "mask": ")" + encode_base64(png(mask)) + "\"";
  const RestorationInput inpaint = decode_restoration_input(request(with_image("inpaint", colour, with_mask)), run, limits);
  EXPECT_EQ(inpaint.known.sizes(), (std::vector<int64_t>{1, 1, 8, 8}));
  EXPECT_EQ(inpaint.known.sum().item<double>(), 64.0 - 9.0);

  const torch::Tensor big = torch::zeros({1, 12, 10});
  expect_error([&] { decode_restoration_input(request(with_image("inpaint", big, with_mask)), run, limits); },
               "must be the same size");
  const std::string black = R"(, "mask": ")" + encode_base64(png(-torch::ones({1, 8, 8}))) + "\"";
  expect_error([&] { decode_restoration_input(request(with_image("inpaint", colour, black)), run, limits); },
               "nothing to fill in");
  limits.max_image_pixels = 100;
  expect_error([&] { decode_restoration_input(request(with_image("denoise", big)), run, limits); }, "too large");
  // A thin image is padded to the model's size: 1 x 90 is within 100 pixels, but the network sees 8 x 96.
  limits.max_image_pixels = 700;
  expect_error([&] { decode_restoration_input(request(with_image("denoise", torch::zeros({1, 1, 90}))), run, limits); },
               "padded");
  // An upscale's output counts: 8 x 8 at 4x is 1,024 pixels.
  expect_error([&] { decode_restoration_input(request(with_image("upscale", colour, R"(, "scale": 4)")), run, limits); },
               "too large");
  limits = ServeLimits{};
  limits.max_evaluations = 100;
  expect_error([&] {
    decode_restoration_input(request(with_image("inpaint", colour, with_mask + R"(, "steps": 90, "resample": 10)")), run,
                             limits);
  }, "network evaluations");
  JobRequest broken = request(with_image("denoise", colour));
  broken.image = std::make_shared<const std::string>("\x89PNG but not really");
  expect_error([&] { decode_restoration_input(broken, run, ServeLimits{}); }, "uploaded image");
  ServedRun points = run;
  points.kind = "points";
  expect_error([&] { decode_restoration_input(request(with_image("denoise", colour)), points, ServeLimits{}); },
               "needs an image run");
}

TEST(RestorationJob, EveryTaskGivesAPngOfTheRightSizeAndCountsItsEvaluations) {
  torch::manual_seed(0);
  const ServedRun run = image_run();
  auto model = std::make_shared<TrainedModel>();
  model->config = run.config;
  model->network = make_network(run.config.model);
  const torch::Tensor image = torch::rand({1, 12, 10}) * 2 - 1;  // larger than the model: tiles
  torch::Tensor mask = torch::full({1, 12, 10}, -1.0);
  mask.slice(1, 0, 4).fill_(1.0);
  const std::string with_mask = R"(, "mask": ")" + encode_base64(png(mask)) + "\"";
  const struct {
    std::string json;
    int64_t width, height;
  } cases[] = {{with_image("denoise", image, R"(, "sigma": 30)"), 10, 12},
               {with_image("denoise", image, R"(, "method": "ddpm", "steps": 4)"), 10, 12},
               {with_image("inpaint", image, with_mask + R"(, "steps": 6, "resample": 2)"), 10, 12},
               {with_image("img2img", image, R"(, "strength": 0.4, "steps": 5)"), 10, 12},
               {with_image("upscale", image, R"(, "scale": 2, "steps": 2)"), 20, 24}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json.substr(0, 40));
    CountingProgress progress;
    const JobRequest job = request(c.json);
    const JobResult result = run_restoration(model, run, job, ServeLimits{}, progress);
    EXPECT_EQ(result.content_type, "image/png");
    const torch::Tensor out = decode(result.body);
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{1, c.height, c.width}));
    EXPECT_GT(progress.total, 0);
    EXPECT_EQ(progress.done, progress.total);
    EXPECT_GE(progress.previews, 1);
    if (job.task == JobTask::kInpaint) {  // the kept rows (4 on) come back exactly
      EXPECT_TRUE(out.slice(1, 4).equal(decode(png(image)).slice(1, 4)));
    }
  }
  CountingProgress cancelled;
  cancelled.cancel = true;
  EXPECT_THROW(run_restoration(model, run, request(with_image("img2img", image)), ServeLimits{}, cancelled), JobCancelled);
}

}  // namespace
}  // namespace diffuse
