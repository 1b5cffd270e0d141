import Foundation
import LabPipeline

/// Exercises 1 and 4: every tenant's memory probe at the same time, each with its own slice and
/// cache file, holding what it got while the host's `nvidia-smi --query-compute-apps` is sampled.
struct ConcurrentTenantsStep: Step {
  var id: String { "tenants-together" }
  var title: String { "Exercises 1, 4: the tenants side by side on one GPU" }
  var timeout: Duration { .seconds(1200) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = try HAMiCoreWorkspace.staged(ctx)
    try await ctx.runChecked(workspace.stopEarlierAttempts)
    try await Self.runs(settings, workspace).together(
      ctx, settings.tenants, environment: { workspace.environment($0) },
      reset: settings.tenants.map { "rm -f \(ShellQuote.quote(workspace.cache($0.name)))" },
      sample: [HAMiCoreWorkspace.computeApps], into: HAMiCoreCatalog.coResidency,
      file: HAMiCoreCatalog.tenantConcurrent)
    return NoOutput()
  }

  static func runs(_ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace) -> TenantProbeRuns {
    TenantProbeRuns(workspace: workspace, tenantTimeout: settings.tenantTimeout, who: "tenant")
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = HAMiCoreWorkspace(directory: ctx.placeholder("dir"))
    return [workspace.stopEarlierAttempts]
      + Self.runs(settings, workspace).planTogether(
        settings.tenants, environment: { workspace.environment($0) }, sample: [HAMiCoreWorkspace.computeApps])
  }
}
