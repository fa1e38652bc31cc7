// @azfail/sandbox: an emulator of the Azure Resource Manager operations and regional DNS that azfail uses, and the
// client other programs use to find and drive a running one.
export {type SandboxHandle, type SandboxOptions, startSandbox} from './server.ts'
export {
  CONTROL_PATH,
  type RequestLogEntry,
  type SandboxAccess,
  type SandboxConnection,
  type SandboxIdentity,
  type SandboxRequestOptions,
  type SandboxResponse,
  type SandboxVantage,
  SandboxControlError,
  connectionFile,
  control,
  controlOk,
  probeSandbox,
  readConnection,
  readRequestLog,
  redactedConnection,
  requestLogFile,
  runningSandbox,
  sandboxAccess,
  sandboxRequest,
  sandboxVantages,
  staticTokenCredential,
} from './client.ts'
export {type ResetOptions, type SandboxStatus, removeSandboxState, resetSandbox, runSandboxForeground, sandboxOutage, sandboxStatus, writeImportedState} from './control.ts'
export {ARM_OUTAGES, FRONT_DOOR_OUTAGES, type OutageSpec, type OutageState, RESOLVER_OUTAGES, outageLines} from './outage.ts'
export {type DemoOptions, demoWorld} from './estate.ts'
export {ESTATE_NAMES, type EstateName, type EstateOptions, bundledWorld, isEstateName} from './estates.ts'
export {HUB_SPOKE_SUBSCRIPTIONS, hubSpokeWorld} from './hub-spoke.ts'
export {FLEET_SIZE, FLEET_SUBSCRIPTIONS, fleetRegionKey, fleetSubscription, fleetWorld} from './fleet.ts'
export {AZ_CLOUD_NAME, type AzureCliSetup, azSiteDir, azureCliSetup} from './az-cli.ts'
export {connectEntries, identityEnvironment, runningIdentityEnvironment} from './environment.ts'
export {ADMIN_CLIENT_ID, type IdentitySpec, LACKS_ONE_MISSING, OPERATOR_ROLE} from './entra.ts'
export {type RoleDefinition, actionMatches, armAction} from './rbac.ts'
export {generatedEstate} from './generate.ts'
export {postgresAvailable} from './postgres.ts'
export {type LatencyProfile, LATENCY_PROFILES} from './latency.ts'
export {type ArmResource, type PublicRecord, type RegionInfo, type World, WorldStore} from './world.ts'
