import Foundation
import LabPipeline

/// Deterministic pseudo-random test payloads (a 64-bit LCG, eight bytes a step), made on a
/// thread of their own: filling tens of mebibytes a byte at a time in a debug build took
/// seconds of one of the cooperative pool's two threads per test.
public enum PseudoRandomBytes {
  /// `count` bytes from `seed`; different seeds give different bytes.
  public static func make(count: Int, seed: UInt64) async -> [UInt8] {
    await BlockingWork.run { fill(count: count, seed: seed) }
  }

  /// The same bytes, on the calling thread.
  public static func fill(count: Int, seed: UInt64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    bytes.withUnsafeMutableBytes { buffer in
      guard let base = buffer.baseAddress else { return }
      let words = count / 8
      for index in 0..<words {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        base.storeBytes(of: state ^ (state >> 29), toByteOffset: index * 8, as: UInt64.self)
      }
      for index in (words * 8)..<count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        buffer[index] = UInt8(truncatingIfNeeded: state >> 33)
      }
    }
    return bytes
  }
}
