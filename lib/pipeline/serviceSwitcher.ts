// serviceSwitcher(): several interchangeable services (STT, LLM or TTS processors), one
// active at a time, swappable while the session runs.
//
// Built on parallelPipeline: each service sits in its own branch between two gates that
// pass lifecycle frames always (so every service is started and ended with the session)
// and everything else only while that service is active. A switch — `switchTo(name)` or a
// ManuallySwitchServiceFrame in either direction — takes effect on the next frame. The
// session's frames are handled on one thread, so a switch can never split a frame.

import { filter, type MonoTypeOperatorFunction } from "rxjs";
import { isLifecycleFrame, type Frame } from "../frames/index.ts";
import { parallelPipeline } from "./parallel.ts";
import { pipeline } from "./pipeline.ts";
import { processor, type Processor } from "./processor.ts";

export interface ServiceSwitcher extends Processor {
  readonly active: string;
  readonly services: readonly string[];
  /** Makes `name` the active service from the next frame on. Throws for an unknown name. */
  switchTo(name: string): void;
}

export function serviceSwitcher(name: string, services: readonly Processor[], initial?: string): ServiceSwitcher {
  if (services.length === 0) throw new Error(`service switcher "${name}" needs at least one service`);
  const names = services.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`service switcher "${name}": service names must be unique`);
  let active = initial ?? names[0]!;
  const switchTo = (target: string): void => {
    if (!names.includes(target)) {
      throw new Error(`service switcher "${name}" has no service "${target}" (has: ${names.join(", ")})`);
    }
    active = target;
  };
  if (!names.includes(active)) switchTo(active);

  const gate = (service: string): MonoTypeOperatorFunction<Frame> =>
    filter((f: Frame) => isLifecycleFrame(f) || active === service);
  // Switch requests are handled once, in front of the branches, in both directions.
  const onSwitch = (f: Frame): boolean => {
    if (f.type !== "ManuallySwitchServiceFrame") return true;
    if (names.includes(f.service_name)) active = f.service_name;
    return false;
  };
  const switchFrames = processor(`${name}.switch`, () => ({ down: filter(onSwitch), up: filter(onSwitch) }));
  const branches = services.map((service) =>
    pipeline(`${name}.${service.name}`, [
      processor(`${service.name}.in`, () => ({ down: gate(service.name), up: gate(service.name) })),
      service,
      processor(`${service.name}.out`, () => ({ down: gate(service.name), up: gate(service.name) })),
    ]),
  );
  const inner = pipeline(name, [switchFrames, parallelPipeline(`${name}.branches`, branches)]);
  return {
    name,
    services: names,
    get active() {
      return active;
    },
    switchTo,
    link: (ends) => inner.link(ends),
    setup: () => inner.setup?.(),
    cleanup: () => inner.cleanup?.(),
  };
}
