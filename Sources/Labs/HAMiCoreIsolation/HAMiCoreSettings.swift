import Foundation
import LabPipeline

/// The lab's parameters, read and checked once: tenants, core limits, durations, sources.
struct HAMiCoreSettings: Sendable {
  var tenants: [CardTenant]
  var coreLimits: [Int]
  var pairCoreLimits: [Int]
  var corePolicy: String
  /// Length of each unlimited (reference) run, in seconds.
  var computeSeconds: Int
  /// Length of each limited run (and of exercise 7's limited-neighbour case), in seconds.
  var limitedSeconds: Int
  /// Exercise 7's aggressor's core limit.
  var neighbourLimit: Int
  var tolerancePercent: Int
  var library: String
  /// Where libvgpu.so comes from, read from ``library``.
  var librarySource: HAMiCoreLibrarySource
  var commit: String
  var hamiVersion: String
  var containerCLI: String
  var nvcc: String
  var nvccFlags: String
  /// Where prebuilt probes are (`probe_dir`); empty = compile them with nvcc on the host.
  var probeDirectory: String
  var tenantTimeout: Duration

  init(_ parameters: Parameters) throws {
    let tenantsText = try parameters.string("tenants")
    guard let tenants = CardTenant.parse(tenantsText) else {
      throw StepError.unexpected(
        "tenants '\(tenantsText)' is not two or more positive slices in MiB (e.g. --param tenants=4000,12000)"
      )
    }
    self.tenants = tenants
    let limitsText = try parameters.string("core_limits")
    guard let limits = CardTenant.limits(limitsText), limits.allSatisfy({ $0 < 100 }) else {
      throw StepError.unexpected("core_limits '\(limitsText)' must be limits between 1 and 99 (e.g. 50,25)")
    }
    coreLimits = limits
    let pairText = try parameters.string("pair_core_limits")
    guard let pair = CardTenant.limits(pairText), pair.count == 2 else {
      throw StepError.unexpected(
        "pair_core_limits '\(pairText)' must be two limits between 1 and 100 (e.g. 30,70)")
    }
    pairCoreLimits = pair
    corePolicy = try parameters.string("core_policy")
    computeSeconds = try parameters.int("compute_seconds")
    limitedSeconds = try parameters.int("limited_seconds")
    neighbourLimit = try parameters.int("neighbour_limit")
    tolerancePercent = try parameters.int("throughput_tolerance")
    library = try parameters.string("hami_core_lib")
    librarySource = try HAMiCoreLibrarySource(library)
    commit = try parameters.string("hami_core_commit")
    hamiVersion = try parameters.string("hami_version")
    containerCLI = try parameters.string("container_cli")
    nvcc = try parameters.string("nvcc")
    nvccFlags = try parameters.string("nvcc_flags")
    probeDirectory = try parameters.string("probe_dir")
    tenantTimeout = try parameters.duration("tenant_timeout")
  }

  /// timeout(1)'s bound for a probe run of `seconds`: its length plus tenant_timeout (start-up,
  /// and a limiter that slows it down).
  func probeBound(_ seconds: Int) -> Int { seconds + Int(tenantTimeout.components.seconds) }

  /// The HAMi image libvgpu.so is extracted from when no library path is given.
  var image: String { "docker.io/projecthami/hami:v\(hamiVersion)" }
}
