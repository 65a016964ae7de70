#include "diffuse/serve/job_request.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "diffuse/sampling/sampler.h"
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

}  // namespace

nlohmann::json JobRequest::to_json() const {
  nlohmann::json j = {{"run", run},   {"num", num},   {"sampler", sampler},         {"steps", steps},
                      {"seed", seed}, {"temperature", temperature}};
  if (class_label) j["class"] = *class_label;
  if (guidance) j["guidance"] = *guidance;
  return j;
}

JobRequest parse_job_request(const nlohmann::json& body, const ServeLimits& limits) {
  check(body.is_object(), "the request must be a JSON object, such as {\"run\": \"NAME\"}");
  static const std::set<std::string> known{"run", "num", "sampler", "steps", "seed", "temperature", "class", "guidance"};
  for (const auto& item : body.items()) {
    check(known.count(item.key()) > 0, "unknown field " + shown(item.key()) +
                                           " (the fields are run, num, sampler, steps, seed, temperature, class, guidance)");
  }
  JobRequest request;
  check(body.contains("run") && body["run"].is_string() && !body["run"].get<std::string>().empty(),
        "\"run\" (the name of a run, from GET /api/runs) is required");
  request.run = body["run"].get<std::string>();
  const int64_t most = std::max(limits.max_images, limits.max_points);
  if (body.contains("num")) request.num = whole_number(body["num"], "num", 1, most);
  if (body.contains("sampler")) {
    check(body["sampler"].is_string(), "\"sampler\" must be a string");
    request.sampler = body["sampler"].get<std::string>();
    const std::vector<std::string> names = sampler_names();
    std::string list;
    for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
    check(std::find(names.begin(), names.end(), request.sampler) != names.end(),
          "unknown sampler " + shown(request.sampler) + " (the samplers are " + list + ")");
  }
  if (body.contains("steps")) request.steps = whole_number(body["steps"], "steps", 1, limits.max_steps);
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
  return request;
}

}  // namespace diffuse
