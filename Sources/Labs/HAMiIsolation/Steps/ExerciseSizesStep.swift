import Foundation
import LabPipeline

/// Sizes from the registered devmem, recorded in run.json for the verifier.
struct ExerciseSizesStep: Step {
  var id: String { "sizes" }
  var title: String { "Compute the slice and oversubscribe sizes from the registered GPU memory" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> HAMiSizes { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> HAMiSizes {
    try await Self.sizes(ctx, node: try await HAMiIsolationLab.nodeName(ctx)).sizes
  }

  /// The sizes for node `node` from its registered devmem, and the GPU they are for (the first
  /// the device plugin registered), recorded in run.json: on one host as `slice_mib`…, on a
  /// cluster (`perNode`) as `slice_mib@NODE`….
  static func sizes(_ ctx: StepContext, node: String, perNode: Bool = false) async throws -> (
    sizes: HAMiSizes, gpu: String
  ) {
    let annotation = try await ctx.runChecked(HAMiInstallStep.annotation(node))
    guard let registration = HAMiRegistration(lines: annotation.stdoutLines),
      let device = registration.devices.first, let devmem = device.devmem
    else {
      throw StepError.unexpected(
        "node \(node) has no readable hami.io/node-nvidia-register annotation; run `labrun up` again")
    }
    let sizes = try HAMiSizes(devmemMiB: devmem, requestedSliceMiB: try ctx.parameters.int("slice_mib"))
    let suffix = perNode ? "@" + node : ""
    try await ctx.recordParameter("devmem_mib" + suffix, .int(sizes.devmemMiB))
    try await ctx.recordParameter("slice_mib" + suffix, .int(sizes.sliceMiB))
    try await ctx.recordParameter("oversubscribe_mib" + suffix, .int(sizes.oversubscribeMiB))
    try await ctx.recordParameter(
      "share_pods" + suffix, .array(HAMiCatalog.sharePods.map(RecordedValue.string)))
    ctx.note(
      "\(perNode ? node + ": " : "")slice \(sizes.sliceMiB) MiB, oversubscribe \(sizes.oversubscribeMiB) MiB of \(devmem) MiB"
    )
    return (sizes, device.id)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [HAMiIsolationLab.nodeNameCommand, HAMiInstallStep.annotation(ctx.placeholder("node"))]
  }
}
