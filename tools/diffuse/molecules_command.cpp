// diffuse molecules eval: EDM's stability, validity, uniqueness and novelty
// of generated molecules, or of QM9 itself.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/data/qm9.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/metrics/molecule_metrics.h"
#include "diffuse/molecules/rdkit_chemistry.h"
#include "diffuse/molecules/xyz_file.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

namespace {

struct MoleculesEvalArguments {
  std::string input, reference, json, split = "test";
  int64_t every = 1;
  bool no_hydrogens = false, quiet = false;
};

bool is_qm9_spec(const std::string& text) { return text == "qm9" || text.rfind("qm9:", 0) == 0; }

std::vector<Molecule> read_input(const MoleculesEvalArguments& args) {
  std::vector<Molecule> molecules;
  if (is_qm9_spec(args.input)) {
    if (args.split == "all") {
      for (const Molecule& molecule : read_xyz(qm9_file(args.input))) {
        molecules.push_back(centred(args.no_hydrogens ? without_hydrogens(molecule) : molecule));
      }
    } else {
      molecules = read_qm9_split(args.input, args.split, args.no_hydrogens);
    }
  } else {
    molecules = read_molecules(args.input);
    if (args.no_hydrogens) {
      for (Molecule& molecule : molecules) molecule = without_hydrogens(molecule);
    }
  }
  if (args.every > 1) {
    std::vector<Molecule> kept;
    for (size_t i = 0; i < molecules.size(); i += static_cast<size_t>(args.every)) kept.push_back(molecules[i]);
    molecules = std::move(kept);
  }
  for (size_t i = 0; i < molecules.size(); ++i) {
    check(molecules[i].num_atoms() > 0, args.input + ": molecule " + std::to_string(i + 1) + " (\"" +
                                            molecules[i].name + "\") has no atoms left");
  }
  return molecules;
}

void print_metrics(const MoleculeMetrics& m) {
  std::printf("molecules           %lld (%lld atoms)\n", static_cast<long long>(m.num_molecules),
              static_cast<long long>(m.num_atoms));
  std::printf("atom_stability      %.4f\n", m.atom_stability());
  std::printf("molecule_stability  %.4f\n", m.molecule_stability());
  std::printf("validity            %.4f  (%lld valid)\n", m.validity(), static_cast<long long>(m.valid));
  std::printf("uniqueness          %.4f  (%lld unique of the valid)\n", m.uniqueness(), static_cast<long long>(m.unique));
  if (m.has_reference) {
    std::printf("novelty             %.4f  (%lld of the unique not in the reference)\n", m.novelty(),
                static_cast<long long>(m.novel));
  } else {
    std::printf("novelty             -       (give --reference qm9[:DIR] to measure it)\n");
  }
  std::printf("connected           %.4f\n", m.connected());
  std::printf("validity x uniqueness %.4f\n", m.validity() * m.uniqueness());
}

void run_molecules_eval(const MoleculesEvalArguments& args) {
  // Every destination is checked before the work.
  if (!args.json.empty()) check_file_destination(args.json, "--json");
  check(args.split == "all" || args.split == "train" || args.split == "validation" || args.split == "test",
        "--split " + args.split + ": expected train, validation, test or all");
  check(args.reference.empty() || is_qm9_spec(args.reference),
        "--reference " + args.reference + ": expected qm9[:DIR] (novelty is measured against QM9's training split)");
  const std::vector<Molecule> molecules = read_input(args);
  std::unique_ptr<std::unordered_set<std::string>> reference;
  if (!args.reference.empty()) {
    // The reference takes the input's form: heavy atoms only when the input
    // has no hydrogen at all (a heavy-atom model's samples) or when asked.
    const bool any_hydrogen = std::any_of(molecules.begin(), molecules.end(),
                                          [](const Molecule& molecule) { return molecule.count_of(1) > 0; });
    const bool heavy_only = args.no_hydrogens || !any_hydrogen;
    if (!args.quiet) {
      std::fprintf(stderr, "reference: the training split of %s, %s\n", args.reference.c_str(),
                   heavy_only ? "heavy atoms only (the input has no hydrogens)" : "with hydrogens");
    }
    const std::vector<Molecule> train = read_qm9_split(args.reference, "train", heavy_only);
    reference = std::make_unique<std::unordered_set<std::string>>(
        reference_smiles(train, args.quiet ? "" : "reference SMILES"));
  }
  const MoleculeMetrics metrics = evaluate_molecules(molecules, reference.get(), args.quiet ? "" : "molecules");
  print_metrics(metrics);
  if (!args.json.empty()) {
    nlohmann::json json = metrics.to_json();
    json["input"] = args.input;
    json["protocol"] = "EDM (Hoogeboom et al. 2022): bonds from distances, margins 10/5/3 pm; RDKit sanitisation";
    if (!args.reference.empty()) json["reference"] = args.reference + " (training split)";
    write_json_output(args.json, json);
  }
}

}  // namespace

std::vector<Command> add_molecules_commands(CLI::App& app) {
  CLI::App* molecules = app.add_subcommand("molecules", "3-D molecules: evaluation under EDM's protocol");
  molecules->require_subcommand(1);
  auto args = std::make_shared<MoleculesEvalArguments>();
  CLI::App* eval = molecules->add_subcommand(
      "eval", "Atom and molecule stability, validity, uniqueness, novelty and connectedness (docs/molecules.md)");
  eval->add_option("--input", args->input, "molecules: FILE.sdf or FILE.xyz (optionally .gz), or qm9[:DIR] for the data itself")
      ->required();
  eval->add_option("--reference", args->reference, "qm9[:DIR]: measure novelty against its training split");
  eval->add_option("--json", args->json, "also write the numbers to this JSON file");
  eval->add_option("--split", args->split, "with --input qm9: train, validation, test or all")->capture_default_str();
  eval->add_option("--every", args->every, "score every k-th molecule only")->check(positive())->capture_default_str();
  eval->add_flag("--no-hydrogens", args->no_hydrogens, "drop hydrogen atoms before scoring (the heavy-atom setting)");
  eval->add_flag("--quiet", args->quiet, "no progress bar");
  return {Command{eval, [args]() { run_molecules_eval(*args); }}};
}

}  // namespace diffuse::cli
