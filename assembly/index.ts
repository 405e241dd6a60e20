// Entry point of build/core.wasm: re-exports the ABI (assembly/abi/exports.ts).
import "./abi/panic";
export * from "./abi/exports";
