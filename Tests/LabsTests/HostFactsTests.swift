import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

@Suite struct HostFactsTests {
  @Test func probeScriptIsTheOneRunOnTheRealH100() throws {
    // The fixture holds the SHA-256 of the script that ran, not a second copy of it.
    let recorded = try String(contentsOf: Fixtures.url("host-facts/probe.sh.sha256"), encoding: .utf8)
    let digest = Artifact(name: "probe.sh", data: Data((HostFacts.probe.script + "\n").utf8)).sha256
    #expect(recorded.hasPrefix(digest + "  "))
  }

  /// Output captured by running probe.sh on an H100 machine (`make` device run, 2026-11-24).
  @Test func readsRealH100ProbeOutput() throws {
    let directory = try Fixtures.url("host-facts")
    let output = try String(
      contentsOf: directory.appendingPathComponent("h100-probe-output.txt"), encoding: .utf8)
    let facts = HostFacts(probeOutput: output)
    #expect(facts.os == "Ubuntu 24.04.3 LTS")
    #expect(facts.isAptBased)
    #expect(facts.arch == "x86_64")
    #expect(facts.privilege == .root)
    #expect(facts.driverWorks)
    #expect(facts.gpus.count == 1)
    let gpu = try #require(facts.gpus.first)
    #expect(gpu.name == "NVIDIA H100 80GB HBM3")
    #expect(gpu.memoryMiB == 81559)
    #expect(gpu.driver == "580.159.04")
    #expect(gpu.uuid == "GPU-56a07753-db10-9732-6844-7858f3dd5e2c")
    #expect(gpu.migMode == "Disabled")
  }

  @Test func brokenDriverIsReportedInItsOwnWords() {
    let output = """
      os=Ubuntu 22.04.4 LTS
      os_family=ubuntu debian
      kernel=5.15.0-105-generic
      arch=x86_64
      user=ubuntu
      privilege=passwordless-sudo
      nvidia_smi=found
      nvidia_smi_exit=9
      NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.

      """
    let facts = HostFacts(probeOutput: output)
    #expect(!facts.driverWorks)
    #expect(facts.nvidiaSMIError?.hasPrefix("NVIDIA-SMI has failed") == true)
    #expect(facts.privilege == .passwordlessSudo)
  }

  @Test func hostWithoutNvidiaSMI() {
    let facts = HostFacts(
      probeOutput: "os=Fedora Linux 40\nos_family=fedora \nkernel=6.8\narch=aarch64\nuser=me\n"
        + "privilege=sudo-needs-password\nnvidia_smi=missing\n")
    #expect(!facts.nvidiaSMIFound)
    #expect(!facts.driverWorks)
    #expect(!facts.isAptBased)
    #expect(facts.privilege == .sudoNeedsPassword)
  }
}
