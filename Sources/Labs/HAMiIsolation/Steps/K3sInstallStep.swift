import Foundation
import LabPipeline

/// k3s at the pinned version, with k3s's own default-runtime option and a readable kubeconfig.
///
/// The installer is the one of that k3s release (its tag's `install.sh`, not get.k3s.io's
/// latest), downloaded into a private directory. A k3s already on the host at that version is
/// recorded as not labrun's (`installed_k3s = false`), so `down --purge` keeps it.
struct K3sInstallStep: Step {
  var id: String { "k3s" }
  var title: String { "Install k3s (default runtime nvidia)" }
  var timeout: Duration { .seconds(900) }

  static let exec = "server --default-runtime nvidia --write-kubeconfig-mode 644"

  /// The installer of k3s release `version` (`v1.33.5+k3s1`: the `+` of the tag escaped).
  static func installerURL(version: String) -> String {
    "https://raw.githubusercontent.com/k3s-io/k3s/"
      + version.replacingOccurrences(of: "+", with: "%2B") + "/install.sh"
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    let version = try ctx.parameters.string("k3s_version")
    let installed = try await ctx.run("k3s --version")
    guard installed.succeeded, installed.stdoutText.contains(version) else { return false }
    return try await ctx.run("systemctl is-active --quiet k3s").succeeded
  }

  func observe(_ ctx: StepContext) async throws -> NoOutput {
    try await HostCommands.recordPreinstalled("k3s", ctx)
    return NoOutput()
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await HostCommands.recordInstalling("k3s", ctx)
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let version = try ctx.parameters.string("k3s_version")
    return [
      RemoteCommand(
        "\(HostCommands.privateDirectory)"
          + " && curl -sfL -o \"$d/install.sh\" \(ShellQuote.quote(Self.installerURL(version: version)))"
          + " && INSTALL_K3S_VERSION=\(ShellQuote.quote(version))"
          + " INSTALL_K3S_EXEC=\(ShellQuote.quote(Self.exec)) sh \"$d/install.sh\"",
        privileged: true, timeout: .seconds(840))
    ]
  }
}
