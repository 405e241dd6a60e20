// Exports of the core (see assembly/abi/abi.wit).
export function version(): i32 {
  return 1;
}
