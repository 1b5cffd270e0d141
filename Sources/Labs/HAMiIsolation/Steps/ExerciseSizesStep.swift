import Foundation
import LabPipeline

/// Sizes from the registered devmem, recorded in run.json for the verifier.
struct ExerciseSizesStep: Step {
  var id: String { "sizes" }
  var title: String { "Compute the slice and oversubscribe sizes from the registered GPU memory" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> HAMiSizes { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> HAMiSizes {
    let node = try await HAMiIsolationLab.gpuNode(ctx)
    let annotation = try await ctx.runChecked(HAMiInstallStep.annotation(node))
    guard let registration = HAMiRegistration(lines: annotation.stdoutLines),
      let devmem = registration.devices.first?.devmem
    else {
      throw StepError.unexpected(
        "node \(node) has no readable hami.io/node-nvidia-register annotation; run `labrun up` again")
    }
    let sizes = try HAMiSizes(devmemMiB: devmem, requestedSliceMiB: try ctx.parameters.int("slice_mib"))
    try await ctx.recordParameter("devmem_mib", .int(sizes.devmemMiB))
    try await ctx.recordParameter("slice_mib", .int(sizes.sliceMiB))
    try await ctx.recordParameter("oversubscribe_mib", .int(sizes.oversubscribeMiB))
    try await ctx.recordParameter("share_pods", .array(HAMiCatalog.sharePods.map(RecordedValue.string)))
    ctx.note("slice \(sizes.sliceMiB) MiB, oversubscribe \(sizes.oversubscribeMiB) MiB of \(devmem) MiB")
    return sizes
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [HAMiIsolationLab.nodeNameCommand, HAMiInstallStep.annotation(ctx.placeholder("node"))]
  }
}
