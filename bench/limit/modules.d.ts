// The limit Worker uses the service's module rules (.wasm precompiled, .onnx bytes) and their declarations.
/// <reference path="../../src/vigil-bindings.gen.d.ts" />
