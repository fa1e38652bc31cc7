// Which steps each action runs, in the safe order unless the runbook lists its own, and what live state they need.
import type {ObserveOptions} from '../azure/observe.ts'
import {InputError} from '../errors.ts'
import type {ActionName, Estate, StepSpec} from '../runbook/schema.ts'
import type {LiveStep, StepContext} from './context.ts'
import {drainSteering} from './drain-steering.ts'
import {enableSteering} from './enable-steering.ts'
import {failoverCosmos} from './failover-cosmos.ts'
import {flipFailoverGroup} from './flip-failover-group.ts'
import {manualAction} from './manual-action.ts'
import {promoteReplica} from './promote-replica.ts'
import {repointCname} from './repoint-cname.ts'
import {teardownEndpoints} from './teardown-endpoints.ts'
import {verifyAlias} from './verify-alias.ts'
import {verifySurvivorResolution} from './verify-survivor-resolution.ts'
import {verifyWritable} from './verify-writable.ts'
import {waitOutTtl} from './wait-out-ttl.ts'

export type Action = 'drain' | 'teardown' | 'promote-replica' | 'promote-failover-group' | 'promote-cosmos' | 'restore' | 'repoint'

export interface ActionOptions {
  region?: string
  /** the region that becomes primary / write region */
  to?: string
  forced?: boolean
  teardown?: boolean
}

const DEFAULTS: Record<ActionName, StepSpec[]> = {
  drain: ['drainSteering', 'waitOutTtl', 'verifySurvivorResolution'],
  teardown: ['teardownEndpoints'],
  promoteReplica: ['promoteReplica', 'repointCname', 'verifyCname', 'verifyWritable'],
  promoteFailoverGroup: ['flipFailoverGroup', 'verifyListener'],
  promoteCosmos: ['failoverCosmos'],
  restore: ['enableSteering'],
}

const RUNBOOK_ACTION: Record<Exclude<Action, 'repoint'>, ActionName> = {
  drain: 'drain',
  teardown: 'teardown',
  'promote-replica': 'promoteReplica',
  'promote-failover-group': 'promoteFailoverGroup',
  'promote-cosmos': 'promoteCosmos',
  restore: 'restore',
}

export function buildSteps(action: Action, ctx: StepContext, o: ActionOptions, runbookActions: Partial<Record<ActionName, StepSpec[]>>): {steps: LiveStep[]; observe: ObserveOptions} {
  const specs: StepSpec[] =
    action === 'repoint' ? ['repointCname', 'verifyCname', 'verifyWritable'] : [...(runbookActions[RUNBOOK_ACTION[action]] ?? DEFAULTS[RUNBOOK_ACTION[action]])]
  if (action === 'drain' && o.teardown && !specs.includes('teardownEndpoints')) specs.push('teardownEndpoints')
  // The write check runs only where the runbook configures one.
  if (!ctx.estate.data.postgres?.writeCheck) specs.splice(0, specs.length, ...specs.filter((s) => s !== 'verifyWritable'))
  let manual = 0
  const steps = specs.map((spec) => {
    if (typeof spec === 'object') return manualAction(ctx, `manualAction${++manual}`, spec.manualAction)
    return makeStep(spec, action, ctx, o)
  })
  const region = o.region
  return {
    steps,
    observe: {
      endpointsOf: region && ['drain', 'teardown', 'restore'].includes(action) ? [region] : [],
      resolution: ['drain', 'teardown', 'restore'].includes(action),
      data: !['drain', 'teardown', 'restore'].includes(action) || specs.some((s) => typeof s === 'string' && ['promoteReplica', 'repointCname', 'flipFailoverGroup', 'failoverCosmos'].includes(s)),
    },
  }
}

function makeStep(kind: Exclude<StepSpec, object>, action: Action, ctx: StepContext, o: ActionOptions): LiveStep {
  const need = (v: string | undefined, what: string) => {
    if (!v) throw new InputError('StepNeedsRegion', `Step ${kind} in action ${action} needs ${what}.`)
    return v
  }
  switch (kind) {
    case 'drainSteering':
      return drainSteering(ctx, need(o.region, 'a region'))
    case 'waitOutTtl':
      return waitOutTtl(ctx, need(o.region, 'a region'))
    case 'verifySurvivorResolution':
      return verifySurvivorResolution(ctx, need(o.region, 'a region'))
    case 'teardownEndpoints':
      return teardownEndpoints(ctx, need(o.region, 'a region'))
    case 'enableSteering':
      return enableSteering(ctx, need(o.region, 'a region'))
    case 'promoteReplica':
      return promoteReplica(ctx, need(o.to, 'a target region'), Boolean(o.forced))
    case 'repointCname':
      return repointCname(ctx, need(o.to, 'a target region'))
    case 'flipFailoverGroup':
      return flipFailoverGroup(ctx, need(o.to, 'a target region'), Boolean(o.forced))
    case 'failoverCosmos':
      return failoverCosmos(ctx, need(o.to, 'a target region'))
    case 'verifyCname': {
      const spec = ctx.estate.cname
      const alias = spec ? `${spec.name}.${spec.zone}` : ''
      return verifyAlias(ctx, {
        id: 'verifyCname',
        title: 'Verify every region resolves the CNAME to the new primary',
        alias,
        canonical: (s) => s.cname?.target ?? undefined,
        ttl: (s) => s.cname?.ttl ?? 30,
      })
    }
    case 'verifyWritable':
      return verifyWritable(ctx, ctx.target)
    case 'verifyListener': {
      const fog = ctx.estate.data.sqlFailoverGroup
      return verifyAlias(ctx, {
        id: 'verifyListener',
        title: 'Verify every region resolves the failover-group listener to the new primary',
        alias: `${fog?.name}.database.windows.net`,
        canonical: (s) => {
          const primary = s.data.sqlFailoverGroup?.servers.find((x) => x.role === 'Primary')
          return primary ? `${primary.name}.database.windows.net` : undefined
        },
        ttl: () => 30,
      })
    }
  }
}

/** The region a promotion goes to when the operator does not say: where the replica / secondary / a read region is. */
export function defaultPromotionTarget(action: Action, estate: Estate, state: {data: any}): string | undefined {
  if (action === 'promote-replica') return state.data.postgres?.servers.find((s: any) => s.role === 'AsyncReplica' || s.role === 'GeoAsyncReplica')?.region
  if (action === 'repoint') return state.data.postgres?.primaryRegion
  if (action === 'promote-failover-group') return state.data.sqlFailoverGroup?.servers.find((s: any) => s.role === 'Secondary')?.region
  if (action === 'promote-cosmos') return Object.keys(estate.regions).find((r) => r !== state.data.cosmos?.writeRegion)
  return undefined
}
