"""Finance operations: payables, expenses, billing, tax, procurement and contracts."""

from __future__ import annotations

from dev.world.content.build import P, category, need

NEEDS = (
    need(
        "invoice_backlog",
        "supplier invoices processed by hand and paid late",
        sectors="31 32 33 42 44 45 48 62 23 72 53",
        size=(50, 10_000_000),
        weight=1.1,
        phrases=("stacks of supplier invoices", "late payment penalties", "three-way matching by hand"),
        news=(
            "Suppliers complain {name} pays {n} weeks late; the company blames a backlog in its finance "
            "team.",
        ),
        job=(
            "{name} is hiring {n} Accounts Payable Clerks to key and match {big} invoices a day.",
            "AP Supervisor ({name}, {city}): reduce late fees and duplicate payments; currently paper-based.",
        ),
        social=("Month-end at {name}: {big} paper invoices on my desk and the scanner is broken.",),
        review=("Finance at {name} is all manual; overtime every close and suppliers calling daily.",),
        web=("{name} supplier portal notice: please allow {n} additional days for invoice processing.",),
        techs=("QuickBooks",),
        legacy=("Sage 50",),
        personas=("CFO", "Controller", "AP Manager"),
    ),
    need(
        "expense_chaos",
        "expense reports and company cards out of control",
        sectors="54 51 52 42 56 61 23",
        size=(30, 10_000_000),
        weight=0.9,
        phrases=("paper receipts in envelopes", "expense reports in Excel", "shared company credit cards"),
        news=("{name} auditors flagged {pct}% of travel claims as missing receipts.",),
        job=("{name} seeks a Finance Assistant to chase {big} missing receipts each month.",),
        social=("Taped {n} receipts to an A4 sheet for my {name} expense claim. Reimbursed in 6 weeks.",),
        review=(
            "Getting reimbursed at {name} takes forever; the expense process is a spreadsheet nightmare.",
        ),
        personas=("CFO", "Controller", "Finance Manager"),
    ),
    need(
        "pricing_model_change",
        "switching to subscription or usage-based pricing",
        sectors="51 54 52 517 31 32 33",
        size=(20, 10_000_000),
        weight=0.9,
        phrases=(
            "invoicing usage by hand",
            "the new pay-as-you-go plans",
            "revenue schedules in spreadsheets",
        ),
        news=(
            "{name} moves customers to consumption-based plans starting {q}.",
            "{name} introduces monthly memberships for its equipment alongside one-off sales.",
        ),
        job=(
            "{name} is hiring a Billing Operations Analyst; invoices for usage plans are currently assembled "
            "manually.",
            "Revenue Accountant at {name}: build deferred revenue schedules for {big} subscription "
            "contracts.",
        ),
        social=(
            "Spent 3 days at {name} reconciling metered usage with invoices. Pricing team is 'iterating'.",
        ),
        web=("{name} pricing update: pay only for what you use, billed monthly.",),
        techs=("Stripe",),
        legacy=("QuickBooks invoicing",),
        personas=("CFO", "VP Finance", "Head of Revenue Operations"),
    ),
    need(
        "multistate_tax",
        "new sales-tax obligations in many jurisdictions",
        sectors="45 44 51 42 31 32 33",
        size=(10, 5_000),
        weight=0.9,
        phrases=("registrations in new states", "nexus letters", "filing returns by hand"),
        news=("{name} received notices from {n} state revenue departments about uncollected tax.",),
        job=(
            "{name} seeks a Tax Accountant to manage filings in {big} jurisdictions; currently outsourced "
            "ad hoc.",
        ),
        social=("Our accountant just told me {name} owes tax in {n} states we never registered in. Great.",),
        web=("{name} checkout now adds local tax for customers in more states.",),
        personas=("CFO", "Controller", "Tax Manager"),
    ),
    need(
        "maverick_spend",
        "uncontrolled purchasing outside approved suppliers",
        sectors="31 32 33 62 61 48 22 52 92",
        size=(200, 10_000_000),
        weight=0.8,
        phrases=(
            "purchases on personal cards",
            "no purchase orders",
            "dozens of suppliers for the same item",
        ),
        news=("Internal review at {name} found {pct}% of spend happened without a purchase order.",),
        job=("{name} is hiring a Procurement Analyst to consolidate {big} suppliers and enforce approvals.",),
        social=("We buy the same gloves from {n} suppliers at {name} at five different prices.",),
        web=("{name} CFO letter: cost discipline programme targets indirect purchasing.",),
        personas=("CPO", "CFO", "Head of Procurement"),
    ),
    need(
        "contract_chaos",
        "contracts lost in inboxes and missed renewals",
        sectors="54 52 51 62 53 48 22",
        size=(50, 10_000_000),
        weight=0.9,
        phrases=("contracts scattered in shared drives", "auto-renewals nobody noticed", "redlines by email"),
        news=("{name} paid an extra year on a software deal after missing the cancellation window.",),
        job=(
            "{name} is hiring a Legal Operations Specialist to find and catalogue {big} signed agreements.",
        ),
        social=(
            "Legal at {name} asked which version of the NDA we signed. Nobody knows. Three versions exist.",
        ),
        review=("Deals at {name} wait weeks for legal review; everything goes through email.",),
        personas=("General Counsel", "Head of Legal Operations", "CFO"),
    ),
)

CATEGORIES = (
    category(
        "ap_automation",
        "Accounts payable automation",
        needs="invoice_backlog",
        size=(50, 10_000_000),
        budget=15_000,
        incumbents=("Bill.com", "Tipalti", "Coupa Pay"),
        vendors=(
            "{name} reads supplier invoices automatically, matches them to orders and ends late payment "
            "penalties.",
            "{name} replaces stacks of paper invoices with touchless processing; three-way matching done "
            "for you.",
            "{name} helps finance teams close faster with automated payables.",
        ),
        prompts=(
            "AP automation software",
            "Procure-to-pay automation for mid-market finance teams",
            "We sell invoice capture and payment automation. Which companies should we prioritize?",
            P("accounts payable outsourcing for manufacturers and distributors", sectors="31 32 33 42"),
            "Finance teams buried in paper bills who keep paying vendors late",
        ),
        exemplar="still process payables manually",
        distractors=("{name} settled a dispute with a former supplier.",),
    ),
    category(
        "expense_management",
        "Spend management: corporate cards and expenses",
        needs="expense_chaos",
        size=(30, 10_000_000),
        budget=6_000,
        incumbents=("Expensify", "SAP Concur", "Ramp"),
        vendors=(
            "{name} ends paper receipts in envelopes: snap a photo, the card transaction matches itself.",
            "{name} issues smart company cards with limits, so nobody shares one card any more.",
            "{name} gets employees reimbursed in days, not weeks.",
        ),
        prompts=(
            "expense management software",
            "Corporate card and T&E platform for growing companies",
            "We sell spend management with virtual cards; find companies with messy employee spend",
            "travel and expense automation",
            P("expense software for consulting firms", sectors="54"),
        ),
        exemplar="have messy employee spending",
        distractors=("{name} reported lower travel costs thanks to video meetings.",),
    ),
    category(
        "subscription_billing",
        "Subscription and usage-based billing",
        needs="pricing_model_change",
        size=(20, 10_000_000),
        budget=20_000,
        incumbents=("Zuora", "Chargebee", "Maxio"),
        vendors=(
            "{name} bills metered usage automatically, so nobody assembles pay-as-you-go invoices by hand.",
            "{name} revenue schedules for subscription contracts, ready for auditors.",
            "{name} supports memberships and consumption-based plans in {n} currencies.",
        ),
        prompts=(
            "subscription billing and revenue recognition platform",
            "Usage-based billing infrastructure",
            "We sell recurring billing; which companies are changing their monetization model?",
            "quote-to-cash automation for SaaS",
            "ASC 606 compliant billing software",
        ),
        exemplar="are changing how they charge customers",
        distractors=("{name} raised prices on its premium product line.",),
    ),
    category(
        "sales_tax",
        "Sales tax compliance automation",
        needs="multistate_tax",
        size=(10, 5_000),
        budget=4_000,
        incumbents=("Avalara", "Vertex", "TaxJar"),
        vendors=(
            "{name} handles registrations in new states, nexus letters and returns automatically.",
            "{name} calculates local tax at checkout and files returns for you.",
            "{name} helps online sellers stop filing tax returns by hand.",
        ),
        prompts=(
            "sales tax automation",
            "Indirect tax compliance software for e-commerce sellers",
            P("VAT and sales tax engine for US online merchants", countries="US"),
            "Online sellers that suddenly owe tax in many states",
            "tax calculation API for marketplaces",
        ),
        exemplar="have growing indirect tax exposure",
        distractors=("{name} welcomed a tax incentive for its new {city} plant.",),
    ),
    category(
        "procurement_spend",
        "Procurement and source-to-pay suites",
        needs="maverick_spend",
        size=(200, 10_000_000),
        budget=60_000,
        incumbents=("Coupa", "SAP Ariba", "Jaggaer"),
        vendors=(
            "{name} stops purchases on personal cards and routes every request through approved suppliers.",
            "{name} helps hospitals and manufacturers consolidate dozens of suppliers for the same item.",
            "{name} customers save {pct}% on indirect spend.",
        ),
        prompts=(
            "source-to-pay suite",
            "Spend analytics and strategic sourcing software",
            "We sell e-procurement. Which large organizations lack purchasing controls?",
            P("procurement software for hospitals and universities", sectors="62 61"),
            "supplier management and category management tools",
        ),
        exemplar="need better purchasing control",
        distractors=("{name} purchased a new building for its {city} team.",),
    ),
    category(
        "contract_lifecycle",
        "Contract lifecycle management (CLM)",
        needs="contract_chaos",
        size=(50, 10_000_000),
        budget=25_000,
        incumbents=("Ironclad", "Icertis", "Juro"),
        vendors=(
            "{name} puts every signed agreement in one searchable place and warns you before auto-renewals.",
            "{name} ends redlines by email with collaborative contract editing.",
            "{name} AI extracts renewal dates from {big}k legacy agreements.",
        ),
        prompts=(
            "contract lifecycle management",
            "CLM platform for in-house legal teams",
            "We sell AI contract review; who is drowning in agreements?",
            "legal operations software",
            P("contract management for insurers and banks", sectors="52"),
        ),
        exemplar="manage many contracts",
        distractors=("{name} signed a new lease for its {city} office.",),
    ),
)
