import Foundation
import Labs
import Testing

@testable import LabSim

/// The simulated tools print the real formats: the verifier's parsers read them as they
/// read real output.
@Suite struct SimOutputFormatTests {
  @Test(arguments: SimProfile.all.filter(\.hasGPU))
  func nvidiaSMITableParsesForEveryCard(profile: SimProfile) throws {
    let text = SimTool.table(profile: profile, totalMiB: profile.memoryMiB, migCell: "N/A")
    let table = try #require(NvidiaSMITable(lines: text.components(separatedBy: "\n")))
    #expect(table.driverVersion == profile.driver)
    #expect(table.cudaVersion == profile.cuda)
    let gpu = try #require(table.gpus.first)
    #expect(gpu.memoryTotalMiB == profile.memoryMiB)
    #expect(gpu.name == profile.name || (gpu.nameIsTruncated && profile.name.hasPrefix(gpu.name.dropLast(3))))
    // Every table line has the width of the real one.
    let widths = Set(text.split(separator: "\n").dropFirst().map(\.count))
    #expect(widths == [89], "line widths \(widths)")
  }

  @Test(arguments: [("a6000-48gb", 8000, 7680), ("l4-24gb", 3500, 3072), ("h100-80gb", 8000, 7680)])
  func probeIsRefusedAtTheSliceWithTheHAMiCoreLine(profileID: String, slice: Int, refusedAfter: Int) throws {
    let profile = try #require(SimProfile.named(profileID))
    let lines = SimTool.probe(profile: profile, sliceMiB: slice, caps: true, pid: 97).components(
      separatedBy: "\n")
    let probe = try #require(ProbeOutput(lines: lines))
    #expect(probe.refusedAfterMiB == refusedAfter)
    let oom = try #require(HAMiCoreLog.oomLines(in: lines).first)
    #expect(oom.limitBytes == UInt64(slice) * 1_048_576)
    #expect(oom.showsRefusal)
  }

  @Test func withoutACapTheProbeIsRefusedNearThePhysicalSize() throws {
    let profile = try #require(SimProfile.named("a6000-48gb"))
    for slice in [nil, 8000] as [Int?] {
      let lines = SimTool.probe(profile: profile, sliceMiB: slice, caps: false, pid: 97).components(
        separatedBy: "\n")
      let probe = try #require(ProbeOutput(lines: lines))
      #expect(probe.refusedAfterMiB == 48896)
      #expect(HAMiCoreLog.oomLines(in: lines).isEmpty)
    }
  }

  @Test func hostCommandsStayInsideTheSimulatedHost() {
    for path in ["/etc/os-release", "/usr/share/keyrings/x.gpg", "/var/lib/rancher/k3s/x", "/opt/x"] {
      #expect(SimTool.isVirtual(path))
    }
    for path in ["/tmp/labrun-k3s-install.sh", "/home/user/file"] { #expect(!SimTool.isVirtual(path)) }
  }

  @Test func optionValuesAreNotTakenForWords() {
    #expect(positional(["-n", "kube-system", "list", "-a", "--filter", "^hami$", "-o", "json"]) == ["list"])
    #expect(positional(["get", "pods,configmaps", "-l", "a=b", "-o", "name"]) == ["get", "pods,configmaps"])
  }

  @Test func schedulerFiltersPerCardMemoryCoresAndShares() throws {
    let profile = try #require(SimProfile.named("a6000-48gb"))
    var state = SimState(profile: profile, scenario: .none)
    func pod(_ name: String, mem: Int, cores: Int?) -> SimState.Pod {
      SimState.Pod(
        name: name, namespace: "default", gpumemMiB: mem, gpus: 1, gpucores: cores, phase: "Running", ip: "",
        events: [], labels: [:])
    }
    state.pods = [pod("a", mem: 8000, cores: nil), pod("b", mem: 8000, cores: 60)]
    #expect(SimTool.filterReason(state: state, gpumemMiB: 45000, gpucores: 0) == "CardInsufficientMemory")
    #expect(SimTool.filterReason(state: state, gpumemMiB: 33140, gpucores: 0) == nil)
    #expect(SimTool.filterReason(state: state, gpumemMiB: 1000, gpucores: 50) == "CardInsufficientCore")
    state.pods = (0..<10).map { pod("p\($0)", mem: 100, cores: nil) }
    #expect(SimTool.filterReason(state: state, gpumemMiB: 100, gpucores: 0) == "CardInsufficientCount")
  }
}
