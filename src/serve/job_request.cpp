#include "diffuse/serve/job_request.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "diffuse/apps/denoise.h"
#include "diffuse/apps/upscale_photo.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/base64.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// A value for a message: scalars as written (strings clipped), anything else
// by its type, never serialised whole (a deeply nested value would recurse).
std::string shown(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    return nlohmann::json(text.size() > 40 ? text.substr(0, 40) + "..." : text).dump();
  }
  if (value.is_primitive()) return value.dump();
  return std::string("an ") + value.type_name();
}

int64_t whole_number(const nlohmann::json& value, const std::string& field, int64_t low, int64_t high) {
  check(value.is_number_integer() || value.is_number_unsigned(),
        "\"" + field + "\" must be a whole number, not " + shown(value));
  const bool fits = value.is_number_unsigned()
                        ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(high) &&
                              static_cast<int64_t>(value.get<std::uint64_t>()) >= low
                        : value.get<int64_t>() >= low && value.get<int64_t>() <= high;
  check(fits, "\"" + field + "\" must be from " + std::to_string(low) + " to " + std::to_string(high) + ", not " + shown(value));
  return value.get<int64_t>();
}

double number(const nlohmann::json& value, const std::string& field, double low, double high) {
  check(value.is_number(), "\"" + field + "\" must be a number, not " + shown(value));
  const double x = value.get<double>();
  check(std::isfinite(x) && x >= low && x <= high,
        "\"" + field + "\" must be from " + std::to_string(low) + " to " + std::to_string(high) + ", not " + shown(value));
  return x;
}

std::string one_of(const nlohmann::json& value, const std::string& field, const std::vector<std::string>& names) {
  check(value.is_string(), "\"" + field + "\" must be a string, not " + shown(value));
  const std::string name = value.get<std::string>();
  std::string list;
  for (const std::string& known : names) list += (list.empty() ? "" : ", ") + known;
  check(std::find(names.begin(), names.end(), name) != names.end(),
        "unknown " + field + " " + shown(name) + " (the " + field + "s are " + list + ")");
  return name;
}

// An upload's bytes (base64 or a data URL).
std::shared_ptr<const std::string> upload(const nlohmann::json& value, const std::string& field) {
  check(value.is_string(), "\"" + field + "\" must be an image in base64 (or a data URL), not " + shown(value));
  std::optional<std::string> bytes = decode_base64(value.get_ref<const std::string&>());
  check(bytes.has_value(), "\"" + field + "\" is not base64 (nor a base64 data URL)");
  check(!bytes->empty(), "\"" + field + "\" is empty");
  return std::make_shared<const std::string>(std::move(*bytes));
}

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names{"sample", "denoise", "inpaint", "img2img", "upscale"};
  return names;
}

// The fields each task takes.
const std::set<std::string>& task_fields(JobTask task) {
  static const std::map<JobTask, std::set<std::string>> fields{
      {JobTask::kSample,
       {"run", "task", "num", "sampler", "steps", "seed", "temperature", "class", "guidance", "atoms", "goal", "replan"}},
      {JobTask::kDenoise, {"run", "task", "image", "sigma", "method", "steps", "seed", "class", "guidance"}},
      {JobTask::kInpaint,
       {"run", "task", "image", "mask", "steps", "resample", "seed", "temperature", "class", "guidance"}},
      {JobTask::kImg2Img, {"run", "task", "image", "strength", "sampler", "steps", "seed", "class", "guidance"}},
      {JobTask::kUpscale, {"run", "task", "image", "scale", "method", "sampler", "steps", "seed"}}};
  return fields.at(task);
}

}  // namespace

std::string to_string(JobTask task) {
  return task_names()[static_cast<size_t>(task)];
}

nlohmann::json JobRequest::to_json() const {
  nlohmann::json j = {{"run", run}, {"task", to_string(task)}, {"steps", steps}, {"seed", seed}};
  switch (task) {
    case JobTask::kSample:
      j["num"] = num;
      j["sampler"] = sampler;
      j["temperature"] = temperature;
      if (atoms) j["atoms"] = *atoms;
      if (goal != "fixed") j["goal"] = goal;
      if (replan != 0) j["replan"] = replan;
      break;
    case JobTask::kDenoise:
      j["sigma"] = sigma ? nlohmann::json(*sigma) : nlohmann::json("auto");
      j["method"] = method;
      break;
    case JobTask::kInpaint:
      j["resample"] = resample;
      j["temperature"] = temperature;
      break;
    case JobTask::kImg2Img:
      j["strength"] = strength;
      j["sampler"] = sampler;
      break;
    case JobTask::kUpscale:
      j["scale"] = scale;
      j["method"] = method;
      j["sampler"] = sampler;
      break;
  }
  if (task != JobTask::kSample) j["image_bytes"] = image_bytes;
  if (task == JobTask::kInpaint) j["mask_bytes"] = mask_bytes;
  if (class_label) j["class"] = *class_label;
  if (guidance) j["guidance"] = *guidance;
  return j;
}

JobRequest parse_job_request(const nlohmann::json& body, const ServeLimits& limits) {
  check(body.is_object(), "the request must be a JSON object, such as {\"run\": \"NAME\"}");
  JobRequest request;
  if (body.contains("task")) {
    const std::string task = one_of(body["task"], "task", task_names());
    request.task = static_cast<JobTask>(std::find(task_names().begin(), task_names().end(), task) - task_names().begin());
  }
  const std::set<std::string>& known = task_fields(request.task);
  for (const auto& item : body.items()) {
    if (known.count(item.key()) > 0) continue;
    std::string list;
    for (const std::string& field : known) list += (list.empty() ? "" : ", ") + field;
    bool of_another_task = false;
    for (JobTask other : {JobTask::kSample, JobTask::kDenoise, JobTask::kInpaint, JobTask::kImg2Img, JobTask::kUpscale}) {
      of_another_task = of_another_task || task_fields(other).count(item.key()) > 0;
    }
    throw Error((of_another_task ? "field " + shown(item.key()) + " does not apply to task " + to_string(request.task)
                                 : "unknown field " + shown(item.key())) +
                " (the fields of task " + to_string(request.task) + " are " + list + ")");
  }
  check(body.contains("run") && body["run"].is_string() && !body["run"].get<std::string>().empty(),
        "\"run\" (the name of a run, from GET /api/runs) is required");
  request.run = body["run"].get<std::string>();
  const int64_t most = std::max(limits.max_images, limits.max_points);
  if (body.contains("num")) request.num = whole_number(body["num"], "num", 1, most);
  if (body.contains("sampler")) request.sampler = one_of(body["sampler"], "sampler", sampler_names());
  // Each task's own default where the request gives no steps.
  if (request.task == JobTask::kDenoise) request.steps = 20;
  if (request.task == JobTask::kUpscale) request.steps = 0;  // UpscaleSettings' default for the method
  if (body.contains("steps")) {
    request.steps = whole_number(body["steps"], "steps", 1, limits.max_steps);
    request.steps_given = true;
  }
  if (body.contains("seed")) {
    const nlohmann::json& seed = body["seed"];
    check(seed.is_number_unsigned() || (seed.is_number_integer() && seed.get<int64_t>() >= 0),
          "\"seed\" must be a whole number >= 0, not " + shown(seed));
    request.seed = seed.get<std::uint64_t>();
  }
  if (body.contains("temperature")) request.temperature = number(body["temperature"], "temperature", 0.0, 10.0);
  if (body.contains("class") && !body["class"].is_null()) {
    request.class_label = whole_number(body["class"], "class", 0, 1000000);
  }
  if (body.contains("guidance") && !body["guidance"].is_null()) {
    request.guidance = number(body["guidance"], "guidance", 0.0, 100.0);
    check(request.class_label.has_value(), "\"guidance\" needs a \"class\" to guide towards");
  }
  if (body.contains("atoms") && !body["atoms"].is_null()) request.atoms = whole_number(body["atoms"], "atoms", 1, 1000);
  if (body.contains("goal")) request.goal = one_of(body["goal"], "goal", {"fixed", "random"});
  if (body.contains("replan")) request.replan = whole_number(body["replan"], "replan", 0, 10000);
  if (request.task == JobTask::kSample) return request;
  request.num = 1;  // a restoration makes one image
  check(body.contains("image"), "task " + to_string(request.task) + " needs \"image\": the image to restore, in base64");
  request.image = upload(body["image"], "image");
  request.image_bytes = static_cast<int64_t>(request.image->size());
  if (request.task == JobTask::kInpaint) {
    check(body.contains("mask"), "task inpaint needs \"mask\": an image of the same size, white where pixels are generated");
    request.mask = upload(body["mask"], "mask");
    request.mask_bytes = static_cast<int64_t>(request.mask->size());
  }
  if (request.task == JobTask::kDenoise) {
    request.method = body.contains("method") ? one_of(body["method"], "method", denoise_method_names()) : "posterior";
    if (body.contains("sigma") && !(body["sigma"].is_string() && body["sigma"].get<std::string>() == "auto")) {
      request.sigma = number(body["sigma"], "sigma", 0.0, 1000.0);
    }
  }
  if (request.task == JobTask::kUpscale) {
    request.method = body.contains("method") ? one_of(body["method"], "method", upscale_method_names()) : "posterior";
    if (body.contains("scale")) request.scale = whole_number(body["scale"], "scale", 2, 4);
  }
  if (body.contains("strength")) request.strength = number(body["strength"], "strength", 0.0, 1.0);
  if (body.contains("resample")) request.resample = whole_number(body["resample"], "resample", 1, 20);
  if (request.task == JobTask::kInpaint && !request.steps_given) request.steps = 50;
  return request;
}

}  // namespace diffuse
