#include "diffuse/planning/point_maze.h"

#include <mujoco/mujoco.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "diffuse/util/error.h"

namespace diffuse {

struct PointMaze::MuJoCo {
  mjModel* model = nullptr;
  mjData* data = nullptr;
  ~MuJoCo() {
    if (data != nullptr) mj_deleteData(data);
    if (model != nullptr) mj_deleteModel(model);
  }
};

std::string PointMaze::model_xml(const MazeLayout& layout) {
  std::ostringstream xml;
  xml << R"(<mujoco model="point_maze">
  <compiler inertiafromgeom="true" angle="radian" coordinate="local"/>
  <option timestep=")" << kStepSeconds << R"(" gravity="0 0 0" iterations="20" integrator="Euler"/>
  <default>
    <joint damping="1" limited="false"/>
    <geom friction=".5 .1 .1" density="1000" margin="0.002" condim="1" contype="2" conaffinity="1"/>
  </default>
  <worldbody>
    <geom name="ground" size="40 40 0.25" pos="0 0 -0.1" type="plane" contype="1" conaffinity="0"/>
    <body name="particle" pos="1.2 1.2 0">
      <geom name="particle_geom" type="sphere" size="0.1" contype="1"/>
      <joint name="ball_x" type="slide" pos="0 0 0" axis="1 0 0"/>
      <joint name="ball_y" type="slide" pos="0 0 0" axis="0 1 0"/>
    </body>
)";
  for (int i = 0; i < layout.rows(); ++i) {
    for (int j = 0; j < layout.cols(); ++j) {
      if (!layout.is_wall(i, j)) continue;
      xml << "    <geom conaffinity=\"1\" type=\"box\" name=\"wall_" << i << "_" << j << "\" pos=\"" << i + 1 << " "
          << j + 1 << " 0\" size=\"0.5 0.5 0.2\"/>\n";
    }
  }
  xml << R"(  </worldbody>
  <actuator>
    <motor joint="ball_x" ctrlrange="-1 1" ctrllimited="true" gear="100"/>
    <motor joint="ball_y" ctrlrange="-1 1" ctrllimited="true" gear="100"/>
  </actuator>
</mujoco>
)";
  return xml.str();
}

PointMaze::PointMaze(const MazeLayout& layout) : layout_(layout), mujoco_(std::make_unique<MuJoCo>()) {
  const std::string xml = model_xml(layout);
  auto vfs = std::make_unique<mjVFS>();  // about 2 MB of file table: not on the stack
  mj_defaultVFS(vfs.get());
  check(mj_makeEmptyFileVFS(vfs.get(), "point_maze.xml", static_cast<int>(xml.size())) == 0,
        "MuJoCo: cannot make the in-memory model file");
  const int file = mj_findFileVFS(vfs.get(), "point_maze.xml");
  std::memcpy(vfs->filedata[file], xml.data(), xml.size());
  char error[1000] = "";
  mujoco_->model = mj_loadXML("point_maze.xml", vfs.get(), error, sizeof error);
  mj_deleteVFS(vfs.get());
  check(mujoco_->model != nullptr, std::string("MuJoCo: cannot load the maze model: ") + error);
  mujoco_->data = mj_makeData(mujoco_->model);
  check(mujoco_->data != nullptr, "MuJoCo: cannot allocate the simulation data");
  const auto [goal_row, goal_col] = layout.goal();
  target_ = {static_cast<double>(goal_row), static_cast<double>(goal_col)};
}

PointMaze::~PointMaze() = default;

PointMaze::State PointMaze::state() const {
  const mjData* d = mujoco_->data;
  return {d->qpos[0], d->qpos[1], d->qvel[0], d->qvel[1]};
}

PointMaze::State PointMaze::reset_to(const State& state) {
  for (double value : state) check(std::isfinite(value), "maze: a state must be finite");
  mj_resetData(mujoco_->model, mujoco_->data);
  mjData* d = mujoco_->data;
  d->qpos[0] = state[0];
  d->qpos[1] = state[1];
  d->qvel[0] = state[2];
  d->qvel[1] = state[3];
  mj_forward(mujoco_->model, d);  // as gym's set_state
  return this->state();
}

PointMaze::State PointMaze::reset(std::mt19937_64& rng) {
  const std::vector<std::pair<int, int>> cells = layout_.reset_cells();
  std::uniform_int_distribution<size_t> cell(0, cells.size() - 1);
  std::uniform_real_distribution<double> jitter(-0.1, 0.1);
  std::normal_distribution<double> velocity(0.0, 0.1);
  const auto [row, col] = cells[cell(rng)];
  const double x = row + jitter(rng), y = col + jitter(rng);
  const double vx = velocity(rng), vy = velocity(rng);
  return reset_to({x, y, vx, vy});
}

PointMaze::State PointMaze::step(const Action& action) {
  mjData* d = mujoco_->data;
  for (int k = 0; k < 2; ++k) {
    // NaN controls would poison the simulation: treat them as 0.
    const double a = std::isfinite(action[static_cast<size_t>(k)]) ? action[static_cast<size_t>(k)] : 0.0;
    d->ctrl[k] = std::clamp(a, -1.0, 1.0);
    d->qvel[k] = std::clamp(d->qvel[k], -5.0, 5.0);  // MazeEnv.clip_velocity, then set_state's forward pass
  }
  mj_forward(mujoco_->model, d);
  mj_step(mujoco_->model, d);
  return state();
}

double PointMaze::reward(const State& state) const {
  return std::hypot(state[0] - target_[0], state[1] - target_[1]) <= 0.5 ? 1.0 : 0.0;
}

}  // namespace diffuse
