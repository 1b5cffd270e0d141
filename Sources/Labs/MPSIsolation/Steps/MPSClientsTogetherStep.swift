import Foundation
import LabPipeline

/// Exercises 1 and 4: every client's memory probe at the same time, each with its own pinned
/// limit, holding what it got while the host's process list, the daemon's server list and its
/// log are captured.
struct MPSClientsTogetherStep: Step {
  var id: String { "clients-together" }
  var title: String { "Exercises 1, 4: the MPS clients side by side on one GPU" }
  var timeout: Duration { .seconds(1200) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = try MPSWorkspace.staged(ctx)
    try await ctx.runChecked(workspace.stopEarlierAttempts)
    try await MPSClientsAloneStep.runs(settings, workspace).together(
      ctx, settings.tenants, environment: { workspace.environment($0) },
      sample: [
        MPSWorkspace.computeApps, workspace.control(settings, "get_server_list"),
        MPSStartStep.showLog(workspace),
      ],
      into: MPSCatalog.coResidency, file: MPSCatalog.tenantConcurrent)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = MPSWorkspace(directory: ctx.placeholder("dir"))
    return [workspace.stopEarlierAttempts]
      + MPSClientsAloneStep.runs(settings, workspace).planTogether(
        settings.tenants, environment: { workspace.environment($0) },
        sample: [MPSWorkspace.computeApps, workspace.control(settings, "get_server_list")])
  }
}
