import Foundation
import LabPipeline

/// `down` on an existing cluster: deletes labrun's namespace (and with it every pod and
/// ConfigMap the exercises made) when it is this run's, waits until it is gone, and verifies that
/// nothing labrun labels is left in any namespace. HAMi, other namespaces and node labels are
/// never touched.
struct RemoveLabNamespaceStep: Step {
  var id: String { "remove-lab-namespace" }
  var title: String { "Remove labrun's namespace and verify the cluster is as it was" }
  var rechecksWhenFinished: Bool { true }
  var timeout: Duration { .seconds(900) }

  static let delete = RemoteCommand(
    "kubectl delete namespace \(ExistingClusterIdentity.namespace) --wait=true --timeout=300s")
  static let labelled = RemoteCommand(
    "kubectl get pods,configmaps -A -l \(ShellQuote.quote(HAMiCatalog.partOfLabel)) -o name")

  /// What labrun made that is still in the cluster.
  static func leftovers(_ ctx: StepContext) async throws -> [String] {
    var left = try await ctx.runChecked(Self.labelled).stdoutLines.filter { !$0.isEmpty }
    if !(try await ctx.runChecked(LabNamespaceStep.exists).trimmedStdout.isEmpty) {
      left.insert("namespace/\(ExistingClusterIdentity.namespace)", at: 0)
    }
    return left
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await Self.leftovers(ctx).isEmpty
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    if try await LabNamespaceStep.ownedBy(await ctx.runID, ctx) {
      try await ctx.runChecked(Self.delete)
      try await ctx.wait(
        for: "namespace \(ExistingClusterIdentity.namespace) to be gone", timeout: .seconds(300)
      ) {
        try await ctx.runChecked(LabNamespaceStep.exists).trimmedStdout.isEmpty
      }
    }
    let left = try await Self.leftovers(ctx)
    guard left.isEmpty else { throw ExistingClusterError.leftovers(left) }
    ctx.note("nothing of labrun's is left in the cluster")
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [LabNamespaceStep.exists, LabNamespaceStep.owner, Self.delete, Self.labelled]
  }
}
