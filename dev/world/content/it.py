"""IT and data: cloud costs, data warehouses, reliability and internal service desks."""

from __future__ import annotations

from dev.world.content.build import P, category, need

CLOUDS = ("AWS", "Azure", "Google Cloud", "GCP")

NEEDS = (
    need(
        "cloud_bill_spike",
        "cloud infrastructure bill growing faster than revenue",
        sectors="51 52 54 45 61 62",
        size=(30, 10_000_000),
        weight=1.2,
        phrases=("the ballooning AWS invoice", "runaway compute costs", "hosting costs eating into margin"),
        news=(
            "{name} CFO flags a {pct}% year-over-year jump in hosting costs as a drag on gross margin in "
            "{q}.",
            "{name} tells investors that {cloud} usage grew faster than revenue and promises tighter "
            "engineering "
            "discipline.",
            "Analysts note {name}'s data-center and {cloud} charges rose {pct}% while headcount stayed flat.",
        ),
        job=(
            "{name} is hiring a Cloud Economist to own {cloud} usage reporting, chargeback and reserved "
            "capacity.",
            "Senior Platform Engineer at {name} ({city}): move stateless workloads to spot instances and "
            "trim "
            "oversized nodes.",
        ),
        social=(
            "Our {cloud} invoice went up {pct}% in {months} months and nobody can say which team caused "
            "it. Fun "
            "times at {name}.",
            "Spent the week tagging every {cloud} resource at {name} so we can finally see who burns what.",
        ),
        review=(
            "Engineers at {name} are asked to justify every server; leadership panics when the {cloud} bill "
            "lands.",
        ),
        web=(
            "{name} engineering blog: how we found {n} forgotten staging environments running around the "
            "clock.",
        ),
        slots={"cloud": CLOUDS},
        techs=("AWS", "Kubernetes", "Terraform"),
        personas=("VP Engineering", "CTO", "Head of Platform", "Director of Infrastructure"),
    ),
    need(
        "idle_capacity",
        "idle and overprovisioned infrastructure",
        sectors="51 52 54 62 48",
        size=(50, 10_000_000),
        weight=0.8,
        phrases=(
            "idle servers nobody owns",
            "oversized Kubernetes clusters",
            "orphaned volumes and snapshots",
        ),
        news=(
            "{name} launches an internal efficiency drive after finding {pct}% of its servers idle "
            "overnight.",
        ),
        job=(
            "{name} seeks a Site Reliability Engineer to shrink {n} oversized Kubernetes clusters and "
            "automate "
            "shutdown schedules.",
            "DevOps Engineer, {name}: consolidate {n} AWS accounts and clean up orphaned volumes and "
            "snapshots.",
        ),
        social=(
            "Found {n} GPU boxes at {name} that have sat idle since spring. Someone please build a janitor "
            "bot.",
        ),
        web=(
            "{name} platform team notes: half our nodes run under {pct}% utilisation; consolidation starts "
            "in "
            "{q}.",
        ),
        techs=("Kubernetes", "AWS", "Datadog"),
        personas=("Head of Platform", "VP Engineering", "SRE Manager"),
    ),
    need(
        "legacy_dwh_eol",
        "legacy on-prem data warehouse reaching end of support",
        sectors="52 44 45 42 51 62 22 31 32 33",
        size=(200, 10_000_000),
        weight=0.9,
        phrases=(
            "the aging {legacy} appliance",
            "overnight batch loads that miss the morning",
            "hardware renewal on the old warehouse",
        ),
        news=(
            "{name} confirms its {legacy} hardware contract ends next year and a renewal quote came in "
            "{pct}% higher.",
            "{name} IT chief says nightly loads into {legacy} now run past {n} a.m., delaying branch "
            "reports.",
        ),
        job=(
            "{name} is hiring a Data Engineer with {legacy} and BTEQ experience plus dbt to help move off "
            "the "
            "appliance.",
            "Data Platform Lead ({name}, {city}): plan the exit from {legacy}, re-model {big} tables, "
            "retire SSIS.",
        ),
        social=("Day {big} of waiting for {legacy} to finish the nightly batch. #dataengineering at {name}",),
        review=(
            "Analysts at {name} wait days for a new report; the warehouse is older than most of the team.",
        ),
        web=(
            "{name} data team: our {legacy} box turns {n} this year and support ends soon; options under "
            "review.",
        ),
        techs=("dbt", "Power BI"),
        legacy=("Teradata", "Netezza", "Oracle Exadata", "SQL Server 2012"),
        personas=("Chief Data Officer", "Director of Data Engineering", "Head of Analytics"),
    ),
    need(
        "slow_reporting",
        "business reporting is slow and inconsistent",
        sectors="42 44 45 52 31 32 33 48 62",
        size=(80, 10_000_000),
        weight=0.8,
        phrases=(
            "spreadsheets that disagree",
            "month-end numbers that take weeks",
            "dashboards nobody trusts",
        ),
        news=("{name} delayed its {q} trading update after finance and sales figures failed to reconcile.",),
        job=(
            "{name} seeks an Analytics Engineer to replace {big} Excel extracts with a single source of "
            "truth.",
        ),
        social=("Three teams at {name}, three different revenue numbers for the same week. Again.",),
        review=("At {name} every meeting starts with arguing whose spreadsheet is right.",),
        web=(
            "{name} COO memo: regional managers wait {n} days for sales figures; the board wants it daily.",
        ),
        techs=("Excel", "Power BI"),
        legacy=("Crystal Reports", "SSRS"),
        personas=("CFO", "Head of Analytics", "Director of Finance"),
    ),
    need(
        "outage_incidents",
        "frequent production outages and slow incident response",
        sectors="51 52 54 48 62 22",
        size=(40, 10_000_000),
        weight=1.0,
        phrases=("customer-facing outages", "pages at 3 a.m.", "incidents found by customers first"),
        news=(
            "{name} apologises after a {n}-hour outage left customers unable to log in during peak hours.",
            "{name} says a failed deploy caused its second service disruption this {q}.",
        ),
        job=(
            "{name} is hiring its first SRE lead to set up on-call, error budgets and postmortems.",
            "Platform Engineer at {name}: we learn about incidents from Twitter; help us change that.",
        ),
        social=("Paged {n} times last night at {name}. Root cause: still unknown. Coffee: finished.",),
        review=("On-call at {name} is brutal; the same services fall over every release.",),
        web=("{name} status page shows {n} major incidents in the last {months} months.",),
        techs=("Kubernetes", "PagerDuty"),
        legacy=("Nagios",),
        personas=("VP Engineering", "SRE Manager", "CTO"),
    ),
    need(
        "ticket_backlog",
        "internal IT support drowning in tickets",
        sectors="",
        size=(150, 10_000_000),
        weight=0.9,
        phrases=(
            "the IT ticket queue",
            "laptop requests stuck for weeks",
            "a help desk run from a shared inbox",
        ),
        news=("{name} staff survey names slow IT support as the top frustration after {n} office openings.",),
        job=(
            "{name} is hiring IT Support Technicians to clear a backlog of {big}+ open requests.",
            "IT Manager ({name}, {city}): replace our shared inbox and spreadsheet with proper request "
            "tracking.",
        ),
        social=("Waited {n} weeks for a replacement laptop at {name}. The request is 'in the queue'.",),
        review=("Nobody at {name} knows who handles IT issues; emails to the help inbox vanish.",),
        web=("{name} intranet: IT requests now take {n} business days on average to be picked up.",),
        techs=("Microsoft 365",),
        legacy=("Spiceworks",),
        personas=("IT Manager", "CIO", "Director of IT"),
    ),
)

CATEGORIES = (
    category(
        "cloud_cost",
        "Cloud cost management (FinOps)",
        needs="cloud_bill_spike idle_capacity",
        size=(40, 10_000_000),
        budget=30_000,
        incumbents=("CloudHealth", "Apptio Cloudability", "Kubecost"),
        vendors=(
            "{name} stops runaway cloud bills: automated rightsizing, spot instance orchestration and "
            "reserved "
            "instance management for AWS, Azure and GCP.",
            "{name} launches alerts that warn finance the moment the monthly AWS invoice spikes, with "
            "per-team "
            "chargeback.",
            "Customer story: {name} users cut compute costs {pct}% by removing idle servers and oversized "
            "Kubernetes "
            "clusters.",
            "{name} is hiring Solutions Engineers to show customers exactly where their hosting costs go.",
        ),
        prompts=(
            "FinOps platform that gives engineering and finance one shared view of cloud spend",
            "cloud cost optimization software",
            "We automate savings plans and commitment purchasing for businesses whose infrastructure "
            "spending grows "
            "faster than they do",
            P(
                "Mid-size software companies that would pay to reduce wasted cloud spend",
                size="mid",
                sectors="51 54",
            ),
            "Looking for teams whose unit economics are hurt by infrastructure waste, to pitch our cost "
            "visibility "
            "product",
        ),
        exemplar="are trying to get cloud spend under control",
        distractors=(
            "{name} moved staff email to the cloud last year; employees say collaboration improved.",
            "{name} sponsors a regional cloud computing meetup for students in {city}.",
        ),
    ),
    category(
        "dwh_migration",
        "Data warehouse migration services",
        needs="legacy_dwh_eol slow_reporting",
        size=(200, 10_000_000),
        budget=150_000,
        incumbents=("Snowflake", "Databricks", "BigQuery"),
        vendor_naics="541512",
        vendors=(
            "{name} moves ageing Teradata and Netezza appliances to the cloud in weeks, including nightly "
            "batch "
            "loads and reports.",
            "{name} migration factory converts BTEQ, SSIS and stored procedures automatically; no more "
            "overnight "
            "loads that miss the morning.",
            "{name} partners with Snowflake to retire on-prem warehouses before hardware renewals.",
            "{name} is hiring Data Engineers for warehouse modernisation projects across {city}.",
        ),
        prompts=(
            "Modernization partner for enterprises leaving legacy data warehouses",
            "data warehouse migration to snowflake",
            "We are a consultancy that replatforms analytics stacks to a lakehouse; find firms whose old "
            "reporting "
            "infrastructure is reaching end of life",
            P(
                "Large retailers and banks needing a modern analytics platform",
                size="enterprise",
                sectors="44 45 52",
            ),
            "Companies where business reports arrive late and figures never match, ready for a modern "
            "analytics "
            "platform",
        ),
        exemplar="need to modernise their analytics platform",
        distractors=("{name} published its annual data protection statement.",),
    ),
    category(
        "observability",
        "Observability and incident management",
        needs="outage_incidents",
        size=(40, 10_000_000),
        budget=40_000,
        incumbents=("Datadog", "New Relic", "Dynatrace"),
        vendors=(
            "{name} helps teams find the root cause of outages before customers notice, with traces, logs "
            "and "
            "on-call paging.",
            "{name} cuts 3 a.m. pages with smarter alert routing and automatic postmortems.",
            "{name} release: service maps that show which deploy broke login during peak hours.",
            "{name} is hiring SRE advocates to teach error budgets to customers.",
        ),
        prompts=(
            "observability platform (APM, distributed tracing, log analytics)",
            "Reliability tooling that improves MTTR for engineering orgs",
            "We sell incident management software; which companies have immature reliability practices?",
            "monitoring and alerting for cloud-native applications",
            "Engineering teams whose apps keep going down and who hear about problems from their users first",
        ),
        exemplar="have reliability problems in production",
        distractors=("{name} monitors air quality in its offices with new sensors.",),
    ),
    category(
        "itsm_helpdesk",
        "IT service management / help desk software",
        needs="ticket_backlog",
        size=(150, 10_000_000),
        budget=20_000,
        incumbents=("ServiceNow", "Jira Service Management", "Freshservice"),
        vendors=(
            "{name} replaces the shared IT inbox with a ticket queue, SLAs and a self-service portal.",
            "{name} helps IT teams clear request backlogs: laptop requests, access requests and password "
            "resets.",
            "{name} named a leader in service desk software for mid-market companies.",
        ),
        prompts=(
            "ITSM platform for growing IT teams",
            "service desk software with asset management and a self-service portal",
            "We sell ITIL-aligned service management; which companies still run IT support out of email?",
            P("Employee service management for mid-market firms", size="mid"),
            "Organizations where employees wait too long for help with laptops, access and software",
        ),
        exemplar="need to professionalise internal IT support",
        distractors=("{name} opened a customer help desk in {city} for its retail clients.",),
    ),
)
