-- Run once by the postgres image on an empty data volume: MLflow's database beside the lab's.
CREATE DATABASE mlflow OWNER driftlab;
