import Foundation

/// A lab the verifier knows: its checks, how to describe the environment, and its page text.
public protocol ValidationLab: Sendable {
  /// run.json's `lab`: the name of the ``Lab`` this verifies.
  var name: String { get }
  var checks: [any ExerciseCheck] { get }
  /// Every check's result for `bundle`, in ``checks`` order. A lab may read what all its checks
  /// share once; by default each check reads the bundle itself.
  func results(for bundle: EvidenceBundle) -> [ExerciseResult]
  /// How many results a complete `bundle` has: one per check, unless the lab judges some
  /// exercises once per cluster node.
  func expectedResultCount(for bundle: EvidenceBundle) -> Int
  /// The Environment table, derived from the artifacts.
  func environment(of bundle: EvidenceBundle) -> EnvironmentSummary
  /// The page's words for this outcome: what passed proves, and the scope limits.
  func page(results: [ExerciseResult], environment: EnvironmentSummary, bundle: EvidenceBundle) -> LabPage
}

extension ValidationLab {
  public func results(for bundle: EvidenceBundle) -> [ExerciseResult] {
    checks.map { $0.evaluate(bundle) }
  }

  public func expectedResultCount(for bundle: EvidenceBundle) -> Int { checks.count }
}
