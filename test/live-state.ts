// Live-state fixtures for the pure tests (guards, residue): a region serving at both steering layers, to vary.
import type {RegionState} from '../src/estate/state.ts'

export function region(name: string, o: Partial<RegionState> = {}): RegionState {
  return {
    region: name,
    resolver: '127.0.0.1:53',
    serving: true,
    trafficManager: {name: `ep-${name}`, status: 'Enabled', monitorStatus: 'Online'},
    frontDoor: {name: `origin-${name}`, enabledState: 'Enabled'},
    names: [],
    ...o,
  }
}
