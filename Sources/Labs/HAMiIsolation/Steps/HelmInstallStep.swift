import Foundation
import LabPipeline

/// helm at the pinned `helm_version`, by helm's installer of that release.
///
/// The installer (`get-helm-3`) is a bash script (`[[ ]]`, `==`, `&>`): under dash, Ubuntu's
/// `/bin/sh`, its curl check fails and it exits 1, so it runs with bash. It downloads the
/// release tarball for the host's architecture and checks it against the `.sha256` published
/// beside it. A helm already on the host is recorded as not labrun's (`installed_helm =
/// false`), so `down --purge` keeps it.
struct HelmInstallStep: Step {
  var id: String { "helm" }
  var title: String { "Install helm" }
  /// A download from get.helm.sh that fails once is worth a second try.
  var retry: RetryPolicy { RetryPolicy(maxAttempts: 2, initialBackoff: .seconds(5)) }

  /// Where helm's installer puts the binary (`HELM_INSTALL_DIR`); `down --purge` removes it.
  static let binary = "/usr/local/bin/helm"

  static func installerURL(version: String) -> String {
    "https://raw.githubusercontent.com/helm/helm/\(version)/scripts/get-helm-3"
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run("helm version --short").succeeded
  }

  func observe(_ ctx: StepContext) async throws -> NoOutput {
    try await HostCommands.recordPreinstalled("helm", ctx)
    return NoOutput()
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await HostCommands.recordInstalling("helm", ctx)
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let version = try ctx.parameters.string("helm_version")
    return [
      RemoteCommand(
        "\(HostCommands.privateDirectory)"
          + " && curl -fsSL -o \"$d/get-helm-3\" \(ShellQuote.quote(Self.installerURL(version: version)))"
          + " && DESIRED_VERSION=\(ShellQuote.quote(version)) HELM_INSTALL_DIR=/usr/local/bin"
          + " bash \"$d/get-helm-3\"",
        privileged: true, timeout: .seconds(300))
    ]
  }
}
