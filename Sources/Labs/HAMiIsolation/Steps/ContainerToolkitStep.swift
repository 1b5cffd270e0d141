import Foundation
import LabPipeline

/// The NVIDIA Container Toolkit from NVIDIA's apt repository, before k3s so k3s finds the
/// nvidia runtime when it starts. A toolkit already on the host is used as it is, and
/// recorded as not labrun's (`installed_toolkit = false`), so `down --purge` keeps it.
struct ContainerToolkitStep: Step {
  var id: String { "container-toolkit" }
  var title: String { "Install the NVIDIA Container Toolkit" }
  /// A download that fails once is worth a second try; apt's locks are waited on in the
  /// commands themselves (`apt_lock_timeout`).
  var retry: RetryPolicy { RetryPolicy(maxAttempts: 2, initialBackoff: .seconds(10)) }
  func timeout(_ parameters: Parameters) -> Duration {
    .seconds(600) + .seconds(2 * ((try? HostCommands.lockTimeout(parameters)) ?? 600))
  }

  static let installed = RemoteCommand("dpkg-query -W -f='${Status}' nvidia-container-toolkit")
  static let gpgKeyURL = "https://nvidia.github.io/libnvidia-container/gpgkey"
  static let listURL = "https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list"

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run(Self.installed).stdoutText.contains("install ok installed")
  }

  func observe(_ ctx: StepContext) async throws -> NoOutput {
    try await HostCommands.recordPreinstalled("toolkit", ctx)
    ctx.satisfied("the NVIDIA Container Toolkit was already installed: using it, and `down --purge` keeps it")
    return NoOutput()
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await HostCommands.recordInstalling("toolkit", ctx)
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let keyring = ShellQuote.quote(HAMiIsolationLab.toolkitKeyring)
    let list = ShellQuote.quote(HAMiIsolationLab.toolkitList)
    let lock = try HostCommands.lockTimeout(ctx.parameters)
    return [
      // Each download goes to a file first: in a pipe, a failed curl (dash has no pipefail)
      // would leave an empty key or list that fails much later as "Unable to locate package".
      RemoteCommand(
        "\(HostCommands.privateDirectory)"
          + " && curl -fsSL -o \"$d/gpgkey\" \(Self.gpgKeyURL)"
          + " && gpg --batch --yes --dearmor -o \(keyring) < \"$d/gpgkey\""
          + " && curl -fsSL -o \"$d/list\" \(Self.listURL)"
          + " && sed 's#deb https://#deb [signed-by=\(HAMiIsolationLab.toolkitKeyring)] https://#g' \"$d/list\""
          + " > \"$d/list.signed\""
          + " && grep -q '^deb ' \"$d/list.signed\""
          + " && tee \(list) < \"$d/list.signed\" >/dev/null",
        privileged: true, timeout: .seconds(240)),
      RemoteCommand(
        HostCommands.aptUpdate(lockTimeout: lock) + " && "
          + HostCommands.aptGet("install -y -qq nvidia-container-toolkit", lockTimeout: lock),
        privileged: true, timeout: .seconds(600 + 2 * lock)),
    ]
  }
}
