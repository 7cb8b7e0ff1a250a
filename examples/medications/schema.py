"""What to extract from a clinical note: each medication and how it is given."""

from pydantic import BaseModel, Field


class Medication(BaseModel):
    drug: str = Field(description="The medication's name, as written")
    dosage: str | None = Field(description="The amount per dose, such as 10 mg")
    route: str | None = Field(description="How it is given: PO, IV, by mouth, inhaled")
    frequency: str | None = Field(description="How often: daily, twice daily, q4h")
    duration: str | None = Field(description="For how long: for one week, until review")
