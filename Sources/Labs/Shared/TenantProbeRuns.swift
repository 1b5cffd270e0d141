import Foundation
import LabPipeline

/// The memory-probe runs of exercises 1 to 5, the same in every tenant lab; each lab gives only
/// a tenant's environment (how its mechanism limits it) and what it samples beside.
struct TenantProbeRuns: Sendable {
  var workspace: any ProbeWorkspace
  /// How long a tenant's probe may take (`tenant_timeout`).
  var tenantTimeout: Duration
  /// What a tenant is called in notes ("tenant", "client").
  var who: String

  private var seconds: Int { Int(tenantTimeout.components.seconds) }
  private var release: String { workspace.file("release") }

  /// Exercises 2, 3 and 5, one tenant alone under `environment`: `nvidia-smi` and the memory
  /// query as the tenant sees them, then its memory probe, each bounded.
  func alone(environment env: String) -> [RemoteCommand] {
    [
      RemoteCommand(ProbeShell.bounded(60, "\(env) nvidia-smi 2>&1"), timeout: .seconds(90)),
      RemoteCommand(
        ProbeShell.bounded(60, "\(env) nvidia-smi --query-gpu=memory.total,memory.used --format=csv 2>&1"),
        timeout: .seconds(90)),
      RemoteCommand(
        ProbeShell.bounded(seconds, "\(env) \(ShellQuote.quote(workspace.memoryProbe)) 2>&1"),
        timeout: tenantTimeout + .seconds(30)),
    ]
  }

  /// Exercises 1 and 4: every tenant's memory probe at the same time under its `environment`,
  /// each holding what it got until released; while they hold, each one's pid (as its probe
  /// printed it) and `sample` are captured into `sampleFile`; then each log is filed in
  /// `file(tenant)`. `reset` runs first, with the release file's removal.
  func together(
    _ ctx: StepContext, _ tenants: [CardTenant], environment: (CardTenant) -> String, reset: [String] = [],
    sample: [RemoteCommand], into sampleFile: String, file: (String) -> String
  ) async throws {
    let entries = tenants.map { tenant in
      SideBySide.Entry(
        name: tenant.name,
        command: ProbeShell.bounded(
          2 * seconds,
          "\(environment(tenant)) \(ShellQuote.quote(workspace.memoryProbe)) --hold "
            + "\(ShellQuote.quote(release)) \(seconds)"),
        log: workspace.file("together-\(tenant.name).log"), pid: workspace.file("together-\(tenant.name).pid")
      )
    }
    let sideBySide = SideBySide(entries: entries, timeout: tenantTimeout)
    try await ctx.runChecked((["rm -f \(ShellQuote.quote(release))"] + reset).joined(separator: "; "))
    try await sideBySide.start(ctx)
    if !(try await sideBySide.wait(ctx, for: "refused after")) {
      ctx.note("not every \(who) reached its refusal in time; sampling anyway")
    }
    // Each tenant's own pid, as its probe printed it (the pid files hold timeout(1)'s).
    let pids = "grep -H -m1 '^probe: pid' " + entries.map { ShellQuote.quote($0.log) }.joined(separator: " ")
    try await ctx.capture([RemoteCommand(pids)] + sample, into: sampleFile, requireSuccess: false)
    try await ctx.runChecked("touch \(ShellQuote.quote(release))")
    try await sideBySide.finish(ctx, seconds: 60) { file($0.name) }
  }

  /// What ``together(_:_:environment:reset:sample:into:file:)`` runs, for the plan.
  func planTogether(_ tenants: [CardTenant], environment: (CardTenant) -> String, sample: [RemoteCommand])
    -> [RemoteCommand]
  {
    tenants.map {
      RemoteCommand("\(environment($0)) \(workspace.memoryProbe) --hold \(release) <seconds> &")
    } + sample + [RemoteCommand("touch \(release)")]
  }
}
