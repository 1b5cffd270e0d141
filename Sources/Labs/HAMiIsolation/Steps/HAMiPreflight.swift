import Foundation
import LabPipeline

/// Facts about the host and the refusals that must come before any change: a working
/// driver, no MIG, no GPU Operator or NVIDIA device plugin, passwordless sudo, apt, disk,
/// and a card big enough for two slices plus the oversubscribe test.
///
/// It changes nothing (``HostPreflightStep``): a host that passes is "already satisfied", and
/// `observe` records the facts and the host GPU and OS artifacts (``HAMiCatalog/hostGPU``,
/// ``HAMiCatalog/os``).
struct HAMiPreflight: HostPreflightStep {
  struct Output: Codable, Sendable, Hashable {
    var gpuName: String
    var uuid: String
    var memoryMiB: Int
    var driver: String
  }

  var title: String { "Facts and preflight (refuse before any change)" }
  static let gpuFile = HAMiCatalog.hostGPU
  static let osFile = HAMiCatalog.os

  /// Free space k3s, the toolkit and the CUDA devel image need under /var/lib, in KiB.
  static let requiredDiskKiB = 30 * 1024 * 1024

  /// The shared host preflight (``GPUHostPreflight``): the card (a working driver, no MIG) and
  /// the host's GPU and OS artifacts. HAMi sizes its slices from the whole card, so the query
  /// leaves out the memory in use.
  static let host = GPUHostPreflight(mechanism: "HAMi", readsUsedMemory: false)
  static let apt = RemoteCommand("command -v apt-get")
  static let sudo = RemoteCommand("[ \"$(id -u)\" = 0 ] || sudo -n true")
  static let disk = RemoteCommand("df -Pk /var/lib")
  static let daemonSets = RemoteCommand(
    "if command -v kubectl >/dev/null 2>&1; then kubectl get daemonsets -A --no-headers; fi")

  func passed(_ facts: Output) -> String {
    "preflight passed: \(facts.gpuName), \(facts.memoryMiB) MiB, driver \(facts.driver)"
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [Self.host.query, GPUHostPreflight.osRelease, Self.apt, Self.sudo, Self.disk, Self.daemonSets]
  }

  /// Reads the facts and throws the first refusal.
  func facts(_ ctx: StepContext) async throws -> Output {
    let card = try await Self.host.card(ctx)
    let daemonSets = try await ctx.run(Self.daemonSets)
    switch Self.competitor(in: daemonSets.stdoutLines) {
    case .gpuOperator(let set)?: throw HAMiPreflightError.gpuOperatorPresent(daemonSet: set)
    case .devicePlugin(let set)?: throw HAMiPreflightError.devicePluginPresent(daemonSet: set)
    case nil: break
    }
    guard try await ctx.run(Self.sudo).succeeded else { throw HAMiPreflightError.sudoNeedsPassword }
    let release = ShellOutputs.osRelease(in: (try await ctx.run(GPUHostPreflight.osRelease)).stdoutLines)
    let apt = try await ctx.run(Self.apt)
    guard apt.succeeded else {
      throw HAMiPreflightError.notAptBased(distribution: release["PRETTY_NAME"] ?? release["ID"] ?? "unknown")
    }
    let disk = (try await ctx.runChecked(Self.disk)).stdoutLines
    if let line = disk.dropFirst().first(where: { !$0.isEmpty }) {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      if fields.count >= 4, let available = Int(fields[3]), available < Self.requiredDiskKiB {
        throw HAMiPreflightError.diskShort(
          availableGiB: available / 1024 / 1024, neededGiB: Self.requiredDiskKiB / 1024 / 1024)
      }
    }
    _ = try HAMiSizes(
      devmemMiB: card.memoryMiB, requestedSliceMiB: try ctx.parameters.int("slice_mib"),
      explicit: ctx.parameters.given.contains("slice_mib"))
    let driver = card.driver
    let image = try ctx.parameters.string("probe_image")
    if let requirement = ProbeImageRequirement.of(image) {
      if requirement.accepts(driver: driver) == false {
        throw HAMiPreflightError.driverTooOld(
          driver: driver, image: image, requirement: requirement.description)
      }
    } else {
      ctx.note(
        "probe image \(image): its driver requirement is not checked (labrun knows only the default image's)")
    }
    return Output(gpuName: card.gpuName, uuid: card.uuid, memoryMiB: card.memoryMiB, driver: driver)
  }
}

extension HAMiPreflight {
  /// A DaemonSet that hands out the GPUs HAMi must own, as `NAMESPACE/NAME`.
  enum Competitor: Equatable {
    case gpuOperator(String)
    case devicePlugin(String)
  }

  /// The first competitor in `kubectl get daemonsets -A --no-headers` lines: anything of the
  /// NVIDIA GPU Operator, or an `nvidia-device-plugin` (HAMi's own is `hami-device-plugin`).
  static func competitor(in lines: [String]) -> Competitor? {
    for line in lines {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      guard fields.count >= 2 else { continue }
      let (namespace, set) = (fields[0], fields[1])
      if namespace.contains("gpu-operator") || set.contains("gpu-operator") {
        return .gpuOperator("\(namespace)/\(set)")
      }
      if set.contains("nvidia-device-plugin") { return .devicePlugin("\(namespace)/\(set)") }
    }
    return nil
  }
}
