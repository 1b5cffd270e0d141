import Foundation
import LabPipeline

/// k3s at the pinned version, with k3s's own default-runtime option and a readable kubeconfig.
struct K3sInstallStep: Step {
  var id: String { "k3s" }
  var title: String { "Install k3s (default runtime nvidia)" }
  var timeout: Duration { .seconds(900) }

  static let exec = "server --default-runtime nvidia --write-kubeconfig-mode 644"

  func check(_ ctx: StepContext) async throws -> Bool {
    let version = try ctx.parameters.string("k3s_version")
    let installed = try await ctx.run("k3s --version")
    guard installed.succeeded, installed.stdoutText.contains(version) else { return false }
    return try await ctx.run("systemctl is-active --quiet k3s").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let version = try ctx.parameters.string("k3s_version")
    return [
      RemoteCommand(
        "curl -sfL -o /tmp/labrun-k3s-install.sh https://get.k3s.io && INSTALL_K3S_VERSION=\(ShellQuote.quote(version))"
          + " INSTALL_K3S_EXEC=\(ShellQuote.quote(Self.exec)) sh /tmp/labrun-k3s-install.sh",
        privileged: true, timeout: .seconds(840))
    ]
  }
}
