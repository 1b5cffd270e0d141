import Foundation
import LabPipeline

/// labrun's own namespace on an existing cluster (``ExistingClusterIdentity/namespace``): made
/// before the exercises, annotated with the run's id, so every pod and ConfigMap the exercises
/// create is in it and `down` removes exactly it. A namespace of that name that another run
/// (or anyone else) made is refused, never reused.
struct LabNamespaceStep: Step {
  var id: String { "lab-namespace" }
  var title: String { "labrun's own namespace (\(ExistingClusterIdentity.namespace))" }

  static let runAnnotation = "labrun.io/run"
  static let exists = RemoteCommand(
    "kubectl get namespace \(ExistingClusterIdentity.namespace) --ignore-not-found -o name")
  static let owner = RemoteCommand(
    "kubectl get namespace \(ExistingClusterIdentity.namespace) -o jsonpath='{.metadata.annotations.labrun\\.io/run}'"
  )

  /// The namespace's run, or nil when there is no such namespace.
  /// - Throws: ``ExistingClusterError/namespaceTaken(namespace:owner:)`` when it is not `runID`'s.
  static func ownedBy(_ runID: String, _ ctx: StepContext) async throws -> Bool {
    guard !(try await ctx.runChecked(exists).trimmedStdout.isEmpty) else { return false }
    let owner = try await ctx.runChecked(Self.owner).trimmedStdout
    guard owner == runID else {
      throw ExistingClusterError.namespaceTaken(
        namespace: ExistingClusterIdentity.namespace,
        owner: owner.isEmpty ? "not made by labrun" : "run \(owner)")
    }
    return true
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await Self.ownedBy(await ctx.runID, ctx)
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(Self.create(runID: await ctx.runID))
    return NoOutput()
  }

  static func create(runID: String) -> RemoteCommand {
    let manifest = """
      apiVersion: v1
      kind: Namespace
      metadata:
        name: \(ExistingClusterIdentity.namespace)
        labels:
          app.kubernetes.io/part-of: labrun-hami-isolation
          app.kubernetes.io/managed-by: labrun
        annotations:
          \(runAnnotation): "\(runID)"

      """
    return RemoteCommand("kubectl apply -f -", stdin: Array(manifest.utf8))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [Self.exists, Self.owner, Self.create(runID: ctx.placeholder("run-id"))]
  }
}
