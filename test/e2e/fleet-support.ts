// Fixtures for fleets: the runbook of each copy of the sandbox's fleet estate (the demo runbook in the copy's
// subscription), as runbooks/fleet/ ships them, and a work directory holding a fleet of them.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fleetSubscription} from '#sandbox'
import {DEMO_RUNBOOK} from '../../src/runbook/load.ts'

export const FLEET_DIR = join(import.meta.dirname, '..', '..', 'runbooks', 'fleet')

export const appName = (n: number) => `app${String(n).padStart(2, '0')}`

/** Copy n's runbook: the demo runbook, named appNN, in copy n's subscription. */
export function fleetRunbookText(n: number, demo = readFileSync(DEMO_RUNBOOK, 'utf8')): string {
  const body = demo.slice(demo.indexOf('version: 1'))
  const header = [
    '# yaml-language-server: $schema=../../schema/runbook.schema.json',
    `# Application ${n} of the fleet estate that \`azfail sandbox reset --estate fleet\` serves: a copy of the demo estate`,
    `# in a subscription of its own. fleet.yaml evacuates a region across all ten.`,
  ]
  return [...header, body.replace('name: demo', `name: ${appName(n)}`).replace(/subscription: [0-9a-f-]+/, `subscription: ${fleetSubscription(n)}`)].join('\n')
}

/** Copies of the fleet runbooks in `dir`, with a 1 s connection drain; `fleet` is the fleet file's text. */
export function writeFleet(dir: string, fleet: string, count = 10): string {
  for (let n = 1; n <= count; n++) writeFileSync(join(dir, `${appName(n)}.yaml`), fleetRunbookText(n).replace('connectionDrainSeconds: 3', 'connectionDrainSeconds: 1'))
  const file = join(dir, 'fleet.yaml')
  writeFileSync(file, fleet)
  return file
}
