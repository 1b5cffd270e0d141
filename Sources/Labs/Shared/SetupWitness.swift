/// What the mechanism under test said about one measured run's setup (docs/design.md: a measurement
/// proves its setup first): a figure is evidence about a claim only if the configured condition was
/// in force while it was taken. A lab reads its mechanism's own witness (HAMi-core's log of the
/// limit it read, the MPS server's view) into one of these per run; the shared rules judge them
/// before any figure.
enum SetupWitness: Sendable, Hashable {
  /// The mechanism confirmed the configuration; `said` quotes what it logged.
  case confirms(said: String)
  /// The mechanism ran with another configuration: the setup defect and how to fix it.
  case contradicts(defect: String, fix: String)
  /// Nothing in the evidence says whether the configuration took effect.
  case missing(what: String)

  var confirmation: String? {
    if case .confirms(let said) = self { return said }
    return nil
  }

  /// Judges the witnesses of every run an exercise measured, in the rule's order: any
  /// contradiction ends it INCONCLUSIVE naming the defects and their fixes, then any missing
  /// witness ends it INCONCLUSIVE; only when every run's witness confirms does it return (and the
  /// measurement decides). `runs` pairs each run's label with its witness.
  static func requireConfirmed(_ runs: [(label: String, witness: SetupWitness)]) throws(Inconclusive) {
    // Runs with the same defect are named together: `limit 50, limit 25: <defect>`.
    var defects: [(labels: [String], defect: String)] = []
    var fixes: [String] = []
    var missing: [String] = []
    for run in runs {
      switch run.witness {
      case .confirms: continue
      case .contradicts(let defect, let fix):
        if let index = defects.firstIndex(where: { $0.defect == defect }) {
          defects[index].labels.append(run.label)
        } else {
          defects.append(([run.label], defect))
        }
        if !fixes.contains(fix) { fixes.append(fix) }
      case .missing(let what): missing.append("\(run.label): \(what)")
      }
    }
    if !defects.isEmpty {
      throw Inconclusive(
        reason: "setup defect, the measurement proves nothing about the limit: "
          + defects.map { $0.labels.joined(separator: ", ") + ": " + $0.defect }.joined(separator: "; ")
          + ". Fix: " + fixes.joined(separator: "; "))
    }
    if !missing.isEmpty {
      throw Inconclusive(
        reason: "no witness that the configured limit was in force: " + missing.joined(separator: "; "))
    }
  }
}
