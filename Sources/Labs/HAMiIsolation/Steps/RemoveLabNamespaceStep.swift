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

  /// What labrun made that is still in the cluster, each with how to remove it (the run's
  /// kubeconfig and context given to kubectl).
  static func leftovers(_ ctx: StepContext) async throws -> [TeardownLeftovers.Item] {
    var left = try await ctx.runChecked(Self.labelled).stdoutLines.filter { !$0.isEmpty }.map {
      TeardownLeftovers.Item(
        "\($0) labelled \(HAMiCatalog.partOfLabel)",
        removal: "kubectl delete pods,configmaps -A -l \(HAMiCatalog.partOfLabel)")
    }
    if !(try await ctx.runChecked(LabNamespaceStep.exists).trimmedStdout.isEmpty) {
      left.insert(
        TeardownLeftovers.Item(
          "namespace/\(ExistingClusterIdentity.namespace)",
          removal: "kubectl delete namespace \(ExistingClusterIdentity.namespace)"), at: 0)
    }
    return left
  }

  func observe(_ ctx: StepContext) async throws -> TeardownLeftovers.Output {
    TeardownLeftovers.Output(left: [])
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await Self.leftovers(ctx).isEmpty
  }

  func apply(_ ctx: StepContext) async throws -> TeardownLeftovers.Output {
    if try await LabNamespaceStep.ownedBy(await ctx.runID, ctx) {
      try await ctx.runChecked(Self.delete)
      try await ctx.wait(
        for: "namespace \(ExistingClusterIdentity.namespace) to be gone", timeout: .seconds(300)
      ) {
        try await ctx.runChecked(LabNamespaceStep.exists).trimmedStdout.isEmpty
      }
    }
    let left = try await Self.leftovers(ctx)
    if left.isEmpty { ctx.note("nothing of labrun's is left in the cluster") }
    return try TeardownLeftovers(left).finish(ctx)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [LabNamespaceStep.exists, LabNamespaceStep.owner, Self.delete, Self.labelled]
  }
}
