import Foundation
import LabPipeline

/// Exercises 2, 3 and 5, each client alone on the card in turn: its MPS environment as it sees
/// it, `nvidia-smi` and the query under that environment, then its memory probe.
struct MPSClientsAloneStep: Step {
  var id: String { "clients-alone" }
  var title: String { "Exercises 2, 3, 5: each MPS client alone" }
  var timeout: Duration { .seconds(1800) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = try MPSWorkspace.staged(ctx)
    try await ctx.runChecked(workspace.stopEarlierAttempts)
    for tenant in settings.tenants {
      try await ctx.capture(
        Self.commands(settings, workspace, tenant), into: MPSCatalog.tenantAlone(tenant.name),
        requireSuccess: false)
    }
    return NoOutput()
  }

  static func commands(_ settings: MPSSettings, _ workspace: MPSWorkspace, _ tenant: CardTenant)
    -> [RemoteCommand]
  {
    [RemoteCommand(workspace.environmentDump(tenant), timeout: .seconds(30))]
      + runs(settings, workspace).alone(environment: workspace.environment(tenant))
  }

  static func runs(_ settings: MPSSettings, _ workspace: MPSWorkspace) -> TenantProbeRuns {
    TenantProbeRuns(workspace: workspace, tenantTimeout: settings.tenantTimeout, who: "client")
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = MPSWorkspace(directory: ctx.placeholder("dir"))
    return [workspace.stopEarlierAttempts]
      + settings.tenants.flatMap { Self.commands(settings, workspace, $0) }
  }
}
