import Testing

/// Every BundleSigning suite, one test at a time. Their tests run ssh-keygen and debug-build RSA
/// synchronously on the cooperative pool (as wide as the machine has cores); run side by side they
/// held every pool thread for tens of seconds and stalled the timing-sensitive tests of other
/// suites (LocalTransportTests, PipelineTests) on a two-core machine.
@Suite(.serialized) enum BundleSigningSuites {}
