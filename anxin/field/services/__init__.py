"""Field service writers (C1–C9), one module per glossary noun; every step writes one timeline event.

- `appointments` — C2 appointments (预约), C5 delays with a new promise
- `assignments` — C3 dispatch (派工) with its rules and register, technician profiles, the duty roster
- `visits` — C4 on the way, arrived, nobody home, inspection (外观检查), the customer's acceptance
- `jobs` — the field job: type, recall, allowances, rework, warranty, payment
- `quotes` — C7 quotes (估价单); `stock` — C8 material requisitions (领料单) and stock
- `catalogue` — the starter catalogue; `signatures` — signed PNGs with their hash
- `guards` (`require_field`, `require_own`, `require_desk`, `once`) and `errors` (`FieldErrorCode`) are shared.

Import the module you need (`from anxin.field.services import visits`); this package re-exports nothing.
"""
