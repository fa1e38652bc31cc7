// Resource Manager's cloud metadata, `GET /metadata/endpoints`, answered anonymously as Azure answers it: the document
// a client reads to learn a cloud's sign-in authority and token audience from its ARM endpoint alone (`az cloud
// register --endpoint-resource-manager`, Azure Stack Hub's custom clouds, the SDKs' `ARM_CLOUD_METADATA_URL`).
// Two shapes, by api-version: 2015-01-01 is the one cloud serving the request (msrestazure's
// METADATA_ENDPOINT_SUFFIX); 2019-05-01 and later are a list of clouds, each named, with its suffixes.
// Every endpoint it names is the sandbox's own origin: nothing that reads it is sent off loopback.
import {type ArmRequest, type ArmResponse, ArmError} from './http.ts'

export const METADATA_PATH = '/metadata/endpoints'
const SINGLE_CLOUD = ['2015-01-01']
const CLOUD_LIST = ['2019-05-01', '2020-06-01', '2022-09-01']

/** The cloud's name in the 2019-05-01+ list. */
export const SANDBOX_CLOUD_NAME = 'AzfailSandbox'

/** The answer for `/metadata/endpoints`, or undefined when the request is for something else. */
export function serveMetadata(req: ArmRequest): ArmResponse | undefined {
  if (req.path.replace(/\/+$/, '').toLowerCase() !== METADATA_PATH) return undefined
  if (req.method !== 'GET') return new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'.`).toResponse()
  const version = req.query.get('api-version')
  if (!version) return new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.').toResponse()
  const origin = req.baseUrl
  const authentication = {loginEndpoint: `${origin}/`, audiences: [`${origin}/`]}
  if (SINGLE_CLOUD.includes(version)) {
    return {status: 200, body: {galleryEndpoint: `${origin}/`, graphEndpoint: `${origin}/`, portalEndpoint: `${origin}/`, authentication}}
  }
  if (CLOUD_LIST.includes(version)) {
    return {
      status: 200,
      body: [
        {
          name: SANDBOX_CLOUD_NAME,
          resourceManager: `${origin}/`,
          portal: `${origin}/`,
          graph: `${origin}/`,
          graphAudience: `${origin}/`,
          authentication: {...authentication, tenant: 'common', identityProvider: 'AAD'},
          suffixes: {keyVaultDns: 'vault.azure.net', sqlServerHostname: 'database.windows.net', postgresqlServerEndpoint: 'postgres.database.azure.com', storage: 'core.windows.net'},
        },
      ],
    }
  }
  return new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${[...SINGLE_CLOUD, ...CLOUD_LIST].join(',')}'.`).toResponse()
}
