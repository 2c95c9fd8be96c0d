"""Operators of the per-tile and maintenance DAGs; each calls into s1ops."""

from s1ops_airflow.operators.fetch import FetchProductOperator
from s1ops_airflow.operators.maintenance import MaintenanceOperator
from s1ops_airflow.operators.plan import PlanTileOperator, SelectJobsOperator
from s1ops_airflow.operators.process import ProcessJobOperator
from s1ops_airflow.operators.publish import PublishTileOperator

__all__ = [
    "FetchProductOperator",
    "MaintenanceOperator",
    "PlanTileOperator",
    "ProcessJobOperator",
    "PublishTileOperator",
    "SelectJobsOperator",
]
