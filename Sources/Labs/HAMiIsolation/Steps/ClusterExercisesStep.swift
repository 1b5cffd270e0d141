import Foundation
import LabPipeline

/// The exercises of a cluster run: per GPU node (1–5 pinned to each node) and across nodes
/// (8 placement, 9 cluster budget) are not built yet. Rather than run the one-host exercises
/// on whichever node the scheduler picks and judge them as one host's, the phase stops here,
/// saying so.
struct ClusterExercisesStep: Step {
  var id: String { "cluster-exercises" }
  var title: String { "Exercises across the cluster's nodes" }
  var changesTarget: Bool { false }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    throw StepError.unexpected(
      "the exercises of a cluster (per GPU node, placement and cluster budget) are not built yet: this run "
        + "provisioned the cluster (labrun up) and tears it down (labrun down [--purge]); run the exercises on "
        + "one host with --host alone")
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [] }
}
