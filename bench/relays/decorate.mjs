// TypeScript's `__param` helper: applies a parameter decorator through Reflect.decorate.
export function param(index, decorator) {
  return (target, key) => decorator(target, key, index);
}
