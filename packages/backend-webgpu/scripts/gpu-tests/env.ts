// The machine's own GPU driver (not SwiftShader), and a missing adapter is a failure.
process.env.TESSERA_WEBGPU_NATIVE = '1';
process.env.TESSERA_REQUIRE_WEBGPU = '1';
