// The api-versions each provider's routes accept: every version folder in Azure/azure-rest-api-specs that defines the
// operations azfail uses, from the one current at the start of 2021 to the newest, previews included, because published
// SDKs and the Azure CLI send previews by default. First in each list: the version the installed JavaScript SDK sends.
//
//   trafficManager  specification/trafficmanager/resource-manager/Microsoft.Network/{stable,preview}/* and TrafficManager/examples/*
//   cdn             specification/cdn/resource-manager/Microsoft.Cdn/{stable,preview}/* (afdx.json) and Cdn/examples/*
//   privateDns      specification/privatedns/resource-manager/Microsoft.Network/stable/*
//   network         specification/network/resource-manager/Microsoft.Network/stable/* (privateEndpoint.json)
//   postgres        specification/postgresql/resource-manager/Microsoft.DBforPostgreSQL/{stable,preview}/* (flexible servers)
//   sql             specification/sql/resource-manager/Microsoft.Sql/{stable,preview}/* (FailoverGroups.json)
//   cosmos          specification/cosmos-db/resource-manager/Microsoft.DocumentDB/{stable,preview}/*
//   permissions     specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-ProviderOperationsCalls.json (Permissions_*)
//   locks           specification/resources/resource-manager/Microsoft.Authorization/stable/{2020-05-01,2016-09-01}/locks.json
//   activityLog     specification/monitor/resource-manager/Microsoft.Insights/stable/2015-04-01/activityLogs_API.json (its only version)
//   compute         @azure/arm-compute 25.x's, then the folders of specification/compute/resource-manager/Microsoft.Compute/
//                   {ComputeRP/,}stable/* seen to hold the run command example (VirtualMachineRunCommand.json), not every one between
//   containerService @azure/arm-containerservice 25.x's, then the folders of specification/containerservice/resource-manager/
//                   Microsoft.ContainerService/aks/stable/* seen to hold RunCommandRequest.json, likewise
export const API_VERSIONS = {
  trafficManager: ['2022-04-01', '2026-09-01', '2025-01-01-preview', '2024-04-01-preview', '2022-04-01-preview', '2018-08-01'],
  cdn: [
    '2024-02-01', '2026-07-01', '2025-12-01', '2025-09-01-preview', '2025-07-01-preview', '2025-06-01', '2025-05-01-preview',
    '2025-04-15', '2025-01-01-preview', '2024-09-01', '2024-07-22-preview', '2024-06-01-preview', '2024-05-01-preview',
    '2023-07-01-preview', '2023-05-01', '2022-11-01-preview', '2022-05-01-preview', '2021-06-01', '2020-09-01',
  ],
  privateDns: ['2024-06-01', '2020-06-01', '2020-01-01', '2018-09-01'],
  network: [
    '2026-01-01', '2025-07-01', '2025-05-01', '2025-03-01', '2025-01-01', '2024-10-01', '2024-07-01', '2024-05-01', '2024-03-01',
    '2024-01-01', '2023-11-01', '2023-09-01', '2023-06-01', '2023-05-01', '2023-04-01', '2023-02-01', '2022-11-01', '2022-09-01',
    '2022-07-01', '2022-05-01', '2022-01-01', '2021-08-01', '2021-05-01', '2021-03-01', '2021-02-01', '2020-11-01',
  ],
  postgres: [
    '2025-08-01', '2026-07-01-preview', '2026-04-01-preview', '2026-01-01-preview', '2025-06-01-preview', '2025-01-01-preview',
    '2024-11-01-preview', '2024-08-01', '2024-03-01-preview', '2023-12-01-preview', '2023-06-01-preview', '2023-03-01-preview',
    '2022-12-01', '2022-03-08-preview', '2022-01-20-preview', '2021-06-01', '2021-06-01-preview',
  ],
  sql: [
    '2020-11-01-preview', '2025-02-01-preview', '2025-01-01', '2024-11-01-preview', '2024-05-01-preview', '2023-08-01',
    '2023-08-01-preview', '2023-05-01-preview', '2023-02-01-preview', '2022-11-01-preview', '2022-08-01-preview',
    '2022-05-01-preview', '2022-02-01-preview', '2021-11-01', '2021-11-01-preview', '2021-08-01-preview', '2021-05-01-preview',
    '2021-02-01-preview',
  ],
  cosmos: [
    '2026-03-15', '2026-04-01-preview', '2025-11-01-preview', '2025-10-15', '2025-05-01-preview', '2025-04-15', '2024-12-01-preview',
    '2024-11-15', '2024-09-01-preview', '2024-08-15', '2024-05-15', '2024-05-15-preview', '2024-02-15-preview', '2023-11-15',
    '2023-11-15-preview', '2023-09-15', '2023-09-15-preview', '2023-04-15', '2023-03-15', '2023-03-15-preview', '2023-03-01-preview',
    '2022-11-15', '2022-11-15-preview', '2022-08-15', '2022-08-15-preview', '2022-05-15', '2022-05-15-preview', '2022-02-15-preview',
    '2021-11-15-preview', '2021-10-15', '2021-10-15-preview', '2021-07-01-preview', '2021-06-15', '2021-05-15', '2021-04-15',
    '2021-04-01-preview', '2021-03-15', '2021-03-01-preview', '2021-01-15', '2020-09-01',
  ],
  permissions: ['2022-04-01', '2018-01-01-preview', '2015-07-01'],
  locks: ['2020-05-01', '2016-09-01'],
  activityLog: ['2015-04-01'],
  compute: ['2026-04-01', '2025-04-01', '2024-11-01', '2024-07-01', '2024-03-01', '2022-03-01', '2021-03-01'],
  containerService: ['2026-06-01', '2025-10-01', '2025-08-01', '2025-07-01', '2025-05-01', '2024-10-01', '2021-05-01'],
} as const satisfies Record<string, readonly string[]>
