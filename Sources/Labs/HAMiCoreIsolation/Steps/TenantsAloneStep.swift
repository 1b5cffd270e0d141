import Foundation
import LabPipeline

/// Exercises 2, 3 and 5, each tenant alone on the card in turn: `nvidia-smi` under its preload,
/// then its memory probe, with a fresh cache file of its own.
struct TenantsAloneStep: Step {
  var id: String { "tenants-alone" }
  var title: String { "Exercises 2, 3, 5: each tenant alone under HAMi-core" }
  var timeout: Duration { .seconds(1800) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = try HAMiCoreWorkspace.staged(ctx)
    try await ctx.runChecked(workspace.stopEarlierAttempts)
    for tenant in settings.tenants {
      let cache = ShellQuote.quote(workspace.cache(tenant.name))
      try await ctx.runChecked("rm -f \(cache)")
      try await ctx.capture(
        Self.commands(settings, workspace, tenant), into: HAMiCoreCatalog.tenantAlone(tenant.name),
        requireSuccess: false)
      try await ctx.runChecked("rm -f \(cache)")
    }
    return NoOutput()
  }

  static func commands(_ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace, _ tenant: CardTenant)
    -> [RemoteCommand]
  {
    ConcurrentTenantsStep.runs(settings, workspace).alone(environment: workspace.environment(tenant))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = HAMiCoreWorkspace(directory: ctx.placeholder("dir"))
    return [workspace.stopEarlierAttempts]
      + settings.tenants.flatMap { Self.commands(settings, workspace, $0) }
  }
}
