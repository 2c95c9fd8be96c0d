"""The Airflow layer of s1ops: operators, a trigger, DAG factories, the environment.

Importable because ``[core] plugins_folder`` (``<repo>/plugins``) is on
``sys.path`` for every Airflow component, the triggerer included, which never
imports code from the DAG bundle. Modules import s1ops's heavier parts
(shapely, pyproj, eodag) inside ``execute`` only: DAG files stay cheap to parse.
"""
