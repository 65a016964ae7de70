// The feature network on real MNIST: a short training run, saving and
// loading, the cached reference statistics, and the metrics on real data.
#include "diffuse/metrics/feature_network.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <utility>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/checkpoint.h"
#include "diffuse/metrics/sample_quality.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

std::string mnist_spec() { return "mnist:" + testing::shared_data_directory() + "/mnist"; }
bool have_mnist() { return std::filesystem::exists(testing::shared_data_directory() + "/mnist/t10k-images-idx3-ubyte.gz"); }

LabelledImages first(const LabelledImages& data, int64_t n) {
  return {data.images.slice(0, 0, n), data.labels.slice(0, 0, n), data.description};
}

// One short training run (about 15 s on one core). CTest runs every test in a
// process of its own, so the checks that need it share one test.
struct TrainedFeatures {
  std::string directory;
  FeatureNetwork network;
  double accuracy = 0.0;
};
const TrainedFeatures& trained_features() {
  static const TrainedFeatures trained = [] {
    TrainedFeatures t;
    t.directory = testing::temporary_directory("features");
    const LabelledImages train = first(load_labelled_images(mnist_spec(), Split::kTrain), 12000);
    const LabelledImages test = first(load_labelled_images(mnist_spec(), Split::kTest), 2000);
    FeatureTrainingOptions options;
    options.epochs = 1;
    t.accuracy = train_feature_network(t.network, train, test, options);
    save_feature_network(t.directory, t.network, {mnist_spec(), t.accuracy, 1});
    return t;
  }();
  return trained;
}

TEST(FeatureNetwork, ShapesAndInputChecks) {
  FeatureNetwork network;
  network->eval();
  EXPECT_EQ(network->features(torch::zeros({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 256}));
  EXPECT_EQ(network->forward(torch::zeros({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_THROW(network->features(torch::zeros({3, 1, 32, 32})), Error);
  EXPECT_THROW(load_feature_network(testing::temporary_directory("no_features")), Error);
}

// Each image moves as a whole, by its own offset within the bound: a single
// lit pixel lands exactly once, at most max_shift away in each axis, and the
// offsets vary across the batch (a shared offset would fail the last check).
TEST(FeatureNetwork, ShiftAugmentationMovesEachImageWithinTheBound) {
  torch::Generator generator = at::detail::createCPUGenerator(7);
  torch::Tensor images = torch::full({64, 1, 28, 28}, -1.0);
  images.index_put_({torch::indexing::Slice(), 0, 13, 10}, 1.0);
  EXPECT_TRUE(torch::equal(randomly_shifted(images, 0, -1.0, generator), images));
  const torch::Tensor shifted = randomly_shifted(images, 3, -1.0, generator);
  ASSERT_EQ(shifted.sizes(), images.sizes());
  std::set<std::pair<int64_t, int64_t>> moves;
  for (int64_t i = 0; i < 64; ++i) {
    const torch::Tensor lit = shifted[i][0].gt(0).nonzero();
    ASSERT_EQ(lit.size(0), 1);
    const int64_t dy = lit[0][0].item<int64_t>() - 13, dx = lit[0][1].item<int64_t>() - 10;
    EXPECT_LE(std::abs(dy), 3);
    EXPECT_LE(std::abs(dx), 3);
    EXPECT_EQ(shifted[i].eq(-1.0).sum().item<int64_t>(), 28 * 28 - 1);
    moves.insert({dy, dx});
  }
  EXPECT_GT(moves.size(), 20u);
  EXPECT_THROW(randomly_shifted(images, -1, -1.0, generator), Error);
  // The training refuses a shift that would move a digit off the canvas, before it trains.
  FeatureNetwork network;
  const LabelledImages few{images.slice(0, 0, 4), torch::zeros({4}, torch::kLong), "four images"};
  FeatureTrainingOptions options;
  options.max_shift = 28;
  EXPECT_THROW(train_feature_network(network, few, few, options), Error);
}

void check_round_trip(const TrainedFeatures& t) {
  FeatureNetworkInfo info;
  FeatureNetwork loaded = load_feature_network(t.directory, &info);
  EXPECT_NEAR(info.test_accuracy, t.accuracy, 1e-12);
  EXPECT_EQ(info.epochs, 1);
  EXPECT_EQ(info.max_shift, 0);
  const std::string shifted = testing::temporary_directory("features_shifted");
  save_feature_network(shifted, loaded, {mnist_spec(), t.accuracy, 12, 2});
  FeatureNetworkInfo shifted_info;
  load_feature_network(shifted, &shifted_info);
  EXPECT_EQ(shifted_info.epochs, 12);
  EXPECT_EQ(shifted_info.max_shift, 2);
  const torch::Tensor images = load_labelled_images(mnist_spec(), Split::kTest).images.slice(0, 0, 50);
  FeatureNetwork original = t.network;
  EXPECT_TRUE(torch::allclose(extract_features(loaded, images).features, extract_features(original, images).features));
}

void check_mnist_against_fashion(const TrainedFeatures& t) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) {
    std::printf("Fashion-MNIST not installed: MNIST against Fashion-MNIST not checked\n");
    return;
  }
  FeatureNetwork network = load_feature_network(t.directory);
  const ReferenceSet reference = reference_set(network, t.directory, mnist_spec() + ":test");
  EXPECT_EQ(reference.features.size(0), 10000);
  const torch::Tensor mnist = load_labelled_images(mnist_spec(), Split::kTrain).images.slice(0, 0, 2000);
  const torch::Tensor fashion = load_labelled_images("fashion-mnist", Split::kTrain).images.slice(0, 0, 2000);
  const SampleQuality near = evaluate_samples(network, reference, mnist);
  const SampleQuality far = evaluate_samples(network, reference, fashion);
  std::printf("MNIST train vs test: FID %.2f KID %.4f P %.3f R %.3f; Fashion-MNIST vs MNIST test: FID %.2f KID %.4f P %.3f R %.3f\n",
              near.fid, near.kid.mean, near.precision_recall.precision, near.precision_recall.recall, far.fid,
              far.kid.mean, far.precision_recall.precision, far.precision_recall.recall);
  EXPECT_GT(far.fid, 20 * near.fid);
  EXPECT_GT(far.kid.mean, 20 * near.kid.mean);
  EXPECT_GT(near.precision_recall.precision, 0.7);
  EXPECT_GT(near.precision_recall.recall, 0.7);
  EXPECT_LT(far.precision_recall.recall, 0.1);
  EXPECT_GT(near.mean_confidence, 0.9);
  EXPECT_GT(near.class_entropy_bits, 3.2);  // all ten digits, nearly balanced
}

// Real test digits asked for as their own labels score the network's accuracy,
// overall and per class (the sample-count-weighted mean of the per-class shares
// is the overall share); asked for as the next digit they score near nothing;
// a class never asked for reads -1.
void check_class_accuracy(const TrainedFeatures& t) {
  FeatureNetwork network = load_feature_network(t.directory);
  const ReferenceSet reference = reference_set(network, t.directory, mnist_spec() + ":test");
  const LabelledImages test = first(load_labelled_images(mnist_spec(), Split::kTest), 500);
  const SampleQuality own = evaluate_samples(network, reference, test.images, 0, test.labels);
  EXPECT_NEAR(own.class_accuracy, classification_accuracy(network, test), 1e-12);
  ASSERT_EQ(own.class_accuracy_per_class.size(), 10u);
  const torch::Tensor counts = torch::bincount(test.labels, {}, 10).to(torch::kFloat64);
  double weighted = 0.0;
  for (int64_t c = 0; c < 10; ++c) {
    EXPECT_GT(own.class_accuracy_per_class[c], 0.7) << "class " << c;
    weighted += own.class_accuracy_per_class[c] * counts[c].item<double>();
  }
  EXPECT_NEAR(weighted / 500.0, own.class_accuracy, 1e-12);
  const SampleQuality next = evaluate_samples(network, reference, test.images, 0, (test.labels + 1).remainder(10));
  EXPECT_LT(next.class_accuracy, 0.05);
  const torch::Tensor no_sevens = test.labels.ne(7);
  const SampleQuality without = evaluate_samples(network, reference, test.images.index({no_sevens}), 0,
                                                 test.labels.masked_select(no_sevens));
  EXPECT_EQ(without.class_accuracy_per_class[7], -1.0);
  EXPECT_DOUBLE_EQ(without.class_accuracy_per_class[3], own.class_accuracy_per_class[3]);
}

void check_reference_cache(const TrainedFeatures& t) {
  const std::string directory = testing::temporary_directory("features_cache");
  FeatureNetwork network = load_feature_network(t.directory);
  save_feature_network(directory, network, {mnist_spec(), t.accuracy, 1});
  const ReferenceSet first_time = reference_set(network, directory, mnist_spec() + ":test");
  size_t caches = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    caches += entry.path().filename().string().rfind("reference_", 0) == 0;
  }
  EXPECT_EQ(caches, 1u);
  EXPECT_TRUE(torch::equal(reference_set(network, directory, mnist_spec() + ":test").features, first_time.features));
  // Other weights under the same name: the cache must not be reused.
  {
    torch::NoGradGuard no_grad;
    for (auto& p : network->parameters()) p.mul_(1.5);
  }
  save_feature_network(directory, network, {mnist_spec(), t.accuracy, 1});
  EXPECT_FALSE(torch::allclose(reference_set(network, directory, mnist_spec() + ":test").features, first_time.features));
}

TEST(FeatureNetwork, LearnsMnistSeparatesItFromFashionMnistAndCachesItsReference) {
  if (!have_mnist()) GTEST_SKIP() << "MNIST not found beside the checkout";
  const TrainedFeatures& t = trained_features();
  // One epoch on a fifth of the data: 94.9-95.5% depending on the thread count
  // (summation order), against 10% by chance; the full default (4 epochs, 60k) reaches 99.2%.
  EXPECT_GT(t.accuracy, 0.93);
  {
    SCOPED_TRACE("save and load");
    check_round_trip(t);
  }
  {
    SCOPED_TRACE("MNIST train vs test, and Fashion-MNIST");
    check_mnist_against_fashion(t);
  }
  {
    SCOPED_TRACE("class accuracy, overall and per class");
    check_class_accuracy(t);
  }
  {
    SCOPED_TRACE("reference cache");
    check_reference_cache(t);
  }
}

TEST(LabelledImages, SplitSuffixes) {
  EXPECT_EQ(with_split("mnist:data/mnist", Split::kTest), "mnist:data/mnist:test");
  EXPECT_EQ(with_split("mnist:data/mnist:train", Split::kTest), "mnist:data/mnist:train");
  EXPECT_EQ(with_split("fashion-mnist:test", Split::kTrain), "fashion-mnist:test");
  EXPECT_EQ(with_split("fashion-mnist", Split::kTrain), "fashion-mnist:train");
  EXPECT_THROW(load_labelled_images("toy2d:moons", Split::kTrain), Error);
  EXPECT_THROW(load_labelled_images("mnist:/nonexistent/folder", Split::kTrain), Error);
}

}  // namespace
}  // namespace diffuse
