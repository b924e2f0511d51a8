{
  "Comment": "Engagement ML Pipeline - Parallel Execution Optimized. One definition: executed locally by engage.pipeline.runner and deployed to AWS Step Functions after render(). Bad data (DataValidationError) is never retried.",
  "StartAt": "PreCleanup",
  "States": {
    "PreCleanup": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}pre-cleanup-lambda",
      "ResultPath": "$.cleanup",
      "Retry": [
        {
          "ErrorEquals": [
            "States.TaskFailed"
          ],
          "IntervalSeconds": 10,
          "MaxAttempts": 2,
          "BackoffRate": 2.0
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.PreCleanup",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "DataPreparation"
    },
    "DataPreparation": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}data-prep-lambda",
      "ResultPath": "$.data_prep",
      "Retry": [
        {
          "ErrorEquals": [
            "DataValidationError"
          ],
          "MaxAttempts": 0
        },
        {
          "ErrorEquals": [
            "States.TaskFailed"
          ],
          "IntervalSeconds": 15,
          "MaxAttempts": 3,
          "BackoffRate": 2.0
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.DataPreparation",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "SentimentScoring"
    },
    "SentimentScoring": {
      "Type": "Task",
      "Comment": "Sentiment of consenting customers' texts (engage.analytics.sentiment, issue 18): texts stay in the restricted area; writes customer_sentiment and support_alerts, decides the churn feature on validation.",
      "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}sentiment-scoring-lambda",
      "ResultPath": "$.sentiment",
      "Retry": [
        {
          "ErrorEquals": [
            "DataValidationError"
          ],
          "MaxAttempts": 0
        },
        {
          "ErrorEquals": [
            "States.TaskFailed"
          ],
          "IntervalSeconds": 10,
          "MaxAttempts": 2,
          "BackoffRate": 2.0
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.SentimentScoring",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "ParallelTrainingAndValidation"
    },
    "ParallelTrainingAndValidation": {
      "Type": "Parallel",
      "Comment": "Train the five models on Fargate (in parallel) while data validation runs on Lambda",
      "Branches": [
        {
          "StartAt": "ParallelModelTraining",
          "States": {
            "ParallelModelTraining": {
              "Type": "Parallel",
              "Comment": "Seed \u00a73.6.1: five models trained simultaneously, one Fargate task each",
              "Branches": [
                {
                  "StartAt": "EngagementModel",
                  "States": {
                    "EngagementModel": {
                      "Type": "Task",
                      "Comment": "Fargate task training the engagement model; the container gets the execution input as JSON in ENGAGE_EVENT and dispatches on ENGAGE_STAGE. No LaunchType: RunTask then uses the cluster's default capacity provider strategy (Fargate Spot).",
                      "Resource": "arn:aws:states:::ecs:runTask.sync",
                      "Parameters": {
                        "Cluster": "${EcsCluster}",
                        "TaskDefinition": "${Prefix}engagement-training-task",
                        "NetworkConfiguration": {
                          "AwsvpcConfiguration": {
                            "Subnets": ${jsonencode(Subnets)},
                            "SecurityGroups": ${jsonencode(SecurityGroups)},
                            "AssignPublicIp": "DISABLED"
                          }
                        },
                        "Overrides": {
                          "ContainerOverrides": [
                            {
                              "Name": "training-container",
                              "Cpu": 16384,
                              "Memory": 65536,
                              "Environment": [
                                {
                                  "Name": "ENGAGE_STAGE",
                                  "Value": "engagement-training"
                                },
                                {
                                  "Name": "ENGAGE_EXECUTION",
                                  "Value.$": "$$.Execution.Name"
                                },
                                {
                                  "Name": "ENGAGE_EVENT",
                                  "Value.$": "States.JsonToString($$.Execution.Input)"
                                }
                              ]
                            }
                          ]
                        }
                      },
                      "Retry": [
                        {
                          "ErrorEquals": [
                            "States.TaskFailed"
                          ],
                          "IntervalSeconds": 30,
                          "MaxAttempts": 2,
                          "BackoffRate": 1.5
                        }
                      ],
                      "End": true
                    }
                  }
                },
                {
                  "StartAt": "ChurnModel",
                  "States": {
                    "ChurnModel": {
                      "Type": "Task",
                      "Comment": "Fargate task training the churn model; the container gets the execution input as JSON in ENGAGE_EVENT and dispatches on ENGAGE_STAGE. No LaunchType: RunTask then uses the cluster's default capacity provider strategy (Fargate Spot).",
                      "Resource": "arn:aws:states:::ecs:runTask.sync",
                      "Parameters": {
                        "Cluster": "${EcsCluster}",
                        "TaskDefinition": "${Prefix}churn-training-task",
                        "NetworkConfiguration": {
                          "AwsvpcConfiguration": {
                            "Subnets": ${jsonencode(Subnets)},
                            "SecurityGroups": ${jsonencode(SecurityGroups)},
                            "AssignPublicIp": "DISABLED"
                          }
                        },
                        "Overrides": {
                          "ContainerOverrides": [
                            {
                              "Name": "training-container",
                              "Cpu": 16384,
                              "Memory": 65536,
                              "Environment": [
                                {
                                  "Name": "ENGAGE_STAGE",
                                  "Value": "churn-training"
                                },
                                {
                                  "Name": "ENGAGE_EXECUTION",
                                  "Value.$": "$$.Execution.Name"
                                },
                                {
                                  "Name": "ENGAGE_EVENT",
                                  "Value.$": "States.JsonToString($$.Execution.Input)"
                                }
                              ]
                            }
                          ]
                        }
                      },
                      "Retry": [
                        {
                          "ErrorEquals": [
                            "States.TaskFailed"
                          ],
                          "IntervalSeconds": 30,
                          "MaxAttempts": 2,
                          "BackoffRate": 1.5
                        }
                      ],
                      "End": true
                    }
                  }
                },
                {
                  "StartAt": "LTVModel",
                  "States": {
                    "LTVModel": {
                      "Type": "Task",
                      "Comment": "Fargate task training the ltv model; the container gets the execution input as JSON in ENGAGE_EVENT and dispatches on ENGAGE_STAGE. No LaunchType: RunTask then uses the cluster's default capacity provider strategy (Fargate Spot).",
                      "Resource": "arn:aws:states:::ecs:runTask.sync",
                      "Parameters": {
                        "Cluster": "${EcsCluster}",
                        "TaskDefinition": "${Prefix}ltv-training-task",
                        "NetworkConfiguration": {
                          "AwsvpcConfiguration": {
                            "Subnets": ${jsonencode(Subnets)},
                            "SecurityGroups": ${jsonencode(SecurityGroups)},
                            "AssignPublicIp": "DISABLED"
                          }
                        },
                        "Overrides": {
                          "ContainerOverrides": [
                            {
                              "Name": "training-container",
                              "Cpu": 16384,
                              "Memory": 65536,
                              "Environment": [
                                {
                                  "Name": "ENGAGE_STAGE",
                                  "Value": "ltv-training"
                                },
                                {
                                  "Name": "ENGAGE_EXECUTION",
                                  "Value.$": "$$.Execution.Name"
                                },
                                {
                                  "Name": "ENGAGE_EVENT",
                                  "Value.$": "States.JsonToString($$.Execution.Input)"
                                }
                              ]
                            }
                          ]
                        }
                      },
                      "Retry": [
                        {
                          "ErrorEquals": [
                            "States.TaskFailed"
                          ],
                          "IntervalSeconds": 30,
                          "MaxAttempts": 2,
                          "BackoffRate": 1.5
                        }
                      ],
                      "End": true
                    }
                  }
                },
                {
                  "StartAt": "RecommendationModel",
                  "States": {
                    "RecommendationModel": {
                      "Type": "Task",
                      "Comment": "Fargate task training the recommendation model; the container gets the execution input as JSON in ENGAGE_EVENT and dispatches on ENGAGE_STAGE. No LaunchType: RunTask then uses the cluster's default capacity provider strategy (Fargate Spot).",
                      "Resource": "arn:aws:states:::ecs:runTask.sync",
                      "Parameters": {
                        "Cluster": "${EcsCluster}",
                        "TaskDefinition": "${Prefix}recommendation-training-task",
                        "NetworkConfiguration": {
                          "AwsvpcConfiguration": {
                            "Subnets": ${jsonencode(Subnets)},
                            "SecurityGroups": ${jsonencode(SecurityGroups)},
                            "AssignPublicIp": "DISABLED"
                          }
                        },
                        "Overrides": {
                          "ContainerOverrides": [
                            {
                              "Name": "training-container",
                              "Cpu": 16384,
                              "Memory": 65536,
                              "Environment": [
                                {
                                  "Name": "ENGAGE_STAGE",
                                  "Value": "recommendation-training"
                                },
                                {
                                  "Name": "ENGAGE_EXECUTION",
                                  "Value.$": "$$.Execution.Name"
                                },
                                {
                                  "Name": "ENGAGE_EVENT",
                                  "Value.$": "States.JsonToString($$.Execution.Input)"
                                }
                              ]
                            }
                          ]
                        }
                      },
                      "Retry": [
                        {
                          "ErrorEquals": [
                            "States.TaskFailed"
                          ],
                          "IntervalSeconds": 30,
                          "MaxAttempts": 2,
                          "BackoffRate": 1.5
                        }
                      ],
                      "End": true
                    }
                  }
                },
                {
                  "StartAt": "AnomalyModel",
                  "States": {
                    "AnomalyModel": {
                      "Type": "Task",
                      "Comment": "Fargate task training the anomaly model; the container gets the execution input as JSON in ENGAGE_EVENT and dispatches on ENGAGE_STAGE. No LaunchType: RunTask then uses the cluster's default capacity provider strategy (Fargate Spot).",
                      "Resource": "arn:aws:states:::ecs:runTask.sync",
                      "Parameters": {
                        "Cluster": "${EcsCluster}",
                        "TaskDefinition": "${Prefix}anomaly-training-task",
                        "NetworkConfiguration": {
                          "AwsvpcConfiguration": {
                            "Subnets": ${jsonencode(Subnets)},
                            "SecurityGroups": ${jsonencode(SecurityGroups)},
                            "AssignPublicIp": "DISABLED"
                          }
                        },
                        "Overrides": {
                          "ContainerOverrides": [
                            {
                              "Name": "training-container",
                              "Cpu": 16384,
                              "Memory": 65536,
                              "Environment": [
                                {
                                  "Name": "ENGAGE_STAGE",
                                  "Value": "anomaly-training"
                                },
                                {
                                  "Name": "ENGAGE_EXECUTION",
                                  "Value.$": "$$.Execution.Name"
                                },
                                {
                                  "Name": "ENGAGE_EVENT",
                                  "Value.$": "States.JsonToString($$.Execution.Input)"
                                }
                              ]
                            }
                          ]
                        }
                      },
                      "Retry": [
                        {
                          "ErrorEquals": [
                            "States.TaskFailed"
                          ],
                          "IntervalSeconds": 30,
                          "MaxAttempts": 2,
                          "BackoffRate": 1.5
                        }
                      ],
                      "End": true
                    }
                  }
                }
              ],
              "ResultPath": "$.models",
              "End": true
            }
          }
        },
        {
          "StartAt": "DataValidation",
          "States": {
            "DataValidation": {
              "Type": "Task",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}data-validation-lambda",
              "Retry": [
                {
                  "ErrorEquals": [
                    "DataValidationError"
                  ],
                  "MaxAttempts": 0
                },
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 10,
                  "MaxAttempts": 2,
                  "BackoffRate": 2.0
                }
              ],
              "End": true
            }
          }
        },
        {
          "Comment": "AdvancedAnalytics: Segmentation -> NetworkAnalysis -> PremiumUplift (issue 17)",
          "StartAt": "Segmentation",
          "States": {
            "Segmentation": {
              "Type": "Task",
              "Comment": "Segments every customer (issue 17 item 4; engage.stages.segmentation): K-Means with k in 6-8 chosen by silhouette on training data, HDBSCAN on a sample, segments named by rule; publishes engagement_analytics.segments and segment_profiles. A Lambda like the other analyses of this branch.",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}segmentation-lambda",
              "ResultPath": "$.segmentation",
              "Retry": [
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 30,
                  "MaxAttempts": 2,
                  "BackoffRate": 1.5
                }
              ],
              "Next": "NetworkAnalysis"
            },
            "NetworkAnalysis": {
              "Type": "Task",
              "Comment": "Social network analysis over social_edges (engage.analytics.network): centrality, Louvain communities, embeddings, influencers; writes network_metrics, communities, influencers.",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}network-analysis-lambda",
              "ResultPath": "$.network_analysis",
              "Retry": [
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 10,
                  "MaxAttempts": 2,
                  "BackoffRate": 2.0
                }
              ],
              "Next": "PremiumUplift"
            },
            "PremiumUplift": {
              "Type": "Task",
              "Comment": "Causal effect of premium per customer (engage.stages.premium_uplift): DR-learner with overlap checks; publishes premium_uplift and premium_targets.",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}premium-uplift-lambda",
              "ResultPath": "$.premium_uplift",
              "Retry": [
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 30,
                  "MaxAttempts": 2,
                  "BackoffRate": 1.5
                }
              ],
              "End": true
            }
          }
        },
        {
          "Comment": "NextBestAction: contextual bandit over the seed's six actions (issue 18 item 2)",
          "StartAt": "NextBestAction",
          "States": {
            "NextBestAction": {
              "Type": "Task",
              "Comment": "Next best action per customer (engage.stages.next_best_action): LinTS fitted on the logged bandit_log events of the training customers, one Thompson draw per customer passed through the ethics policy check (no nudges for vulnerable customers, minors guard); publishes engagement_analytics.next_best_action and a report with replay/IPS values and simulated regret.",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}next-best-action-lambda",
              "ResultPath": "$.next_best_action",
              "Retry": [
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 10,
                  "MaxAttempts": 2,
                  "BackoffRate": 2.0
                }
              ],
              "End": true
            }
          }
        },
        {
          "Comment": "EngagementForecast: 7-day engagement forecast per customer and platform total (issue 18 item 1)",
          "StartAt": "EngagementForecast",
          "States": {
            "EngagementForecast": {
              "Type": "Task",
              "Comment": "7-day engagement forecast (engage.stages.forecast): Holt-Winters, seasonal-trend regression and a global gradient-boosting model chosen on the held-out last week of the activity history, split-conformal 80%/95% intervals; writes engagement_analytics.forecast and forecast_total.",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}engagement-forecast-lambda",
              "ResultPath": "$.engagement_forecast",
              "Retry": [
                {
                  "ErrorEquals": [
                    "DataValidationError"
                  ],
                  "MaxAttempts": 0
                },
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 30,
                  "MaxAttempts": 2,
                  "BackoffRate": 1.5
                }
              ],
              "End": true
            }
          }
        }
      ],
      "ResultPath": "$.parallel_training",
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.ParallelTrainingAndValidation",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "ScoreShards"
    },
    "ScoreShards": {
      "Type": "Map",
      "Comment": "Distributed Map over the customer shards data preparation wrote (hash(customer_id) % N, manifest in the lake): one child execution, one Fargate task, per shard. A shard that fails is retried alone; any shard still failing fails the run before anything is published (ToleratedFailurePercentage 0: a partial scoring is never merged).",
      "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {
          "InputType": "JSON"
        },
        "Parameters": {
          "Bucket.$": "$.data_prep.shards.Bucket",
          "Key.$": "$.data_prep.shards.Key"
        }
      },
      "ItemSelector": {
        "event.$": "$$.Execution.Input",
        "shard.$": "$$.Map.Item.Value"
      },
      "ItemProcessor": {
        "ProcessorConfig": {
          "Mode": "DISTRIBUTED",
          "ExecutionType": "STANDARD"
        },
        "StartAt": "InferenceTask",
        "States": {
          "InferenceTask": {
            "Type": "Task",
            "Comment": "Fargate task scoring one customer shard with all five models (and TreeSHAP for engagement and churn); the container gets the item ({event, shard}) as JSON in ENGAGE_EVENT and dispatches on ENGAGE_STAGE. A shard writes only to the run's staging area, so a retry is idempotent. No LaunchType: RunTask then uses the cluster's default capacity provider strategy (Fargate Spot).",
            "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Parameters": {
              "Cluster": "${EcsCluster}",
              "TaskDefinition": "${Prefix}inference-task",
              "NetworkConfiguration": {
                "AwsvpcConfiguration": {
                  "Subnets": ${jsonencode(Subnets)},
                  "SecurityGroups": ${jsonencode(SecurityGroups)},
                  "AssignPublicIp": "DISABLED"
                }
              },
              "Overrides": {
                "ContainerOverrides": [
                  {
                    "Name": "inference-container",
                    "Cpu": 16384,
                    "Memory": 65536,
                    "Environment": [
                      {
                        "Name": "ENGAGE_STAGE",
                        "Value": "inference"
                      },
                      {
                        "Name": "ENGAGE_EXECUTION",
                        "Value.$": "$$.Execution.Name"
                      },
                      {
                        "Name": "ENGAGE_EVENT",
                        "Value.$": "States.JsonToString($)"
                      }
                    ]
                  }
                ]
              }
            },
            "Retry": [
              {
                "ErrorEquals": [
                  "States.TaskFailed"
                ],
                "IntervalSeconds": 20,
                "MaxAttempts": 2,
                "BackoffRate": 1.5
              }
            ],
            "End": true
          }
        }
      },
      "MaxConcurrency": 50,
      "ToleratedFailurePercentage": 0.0,
      "ResultWriter": {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {
          "Bucket": "${ShardResultsBucket}",
          "Prefix": "${ShardResultsPrefix}"
        }
      },
      "ResultPath": "$.shard_scores",
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.ScoreShards",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "MergeShardScores"
    },
    "MergeShardScores": {
      "Type": "Task",
      "Comment": "Publish the shards' staged scores as whole tables once every shard has finished; combine their reports, importance and promotion decisions. It gets only the execution input (the run id): everything else it reads from the lake, and the state's data stays small.",
      "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}merge-shard-scores-lambda",
      "Parameters": {
        "event.$": "$$.Execution.Input"
      },
      "ResultPath": "$.inference",
      "Retry": [
        {
          "ErrorEquals": [
            "States.TaskFailed"
          ],
          "IntervalSeconds": 10,
          "MaxAttempts": 2,
          "BackoffRate": 2.0
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.MergeShardScores",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "ModelEnsemble"
    },
    "ModelEnsemble": {
      "Type": "Task",
      "Comment": "Seed \u00a73.5.1 model ensemble: join the five models' outputs into one predictions table, derive the combined decisions, then promote the winning versions.",
      "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}ensemble-predictions-lambda",
      "ResultPath": "$.ensemble",
      "Retry": [
        {
          "ErrorEquals": [
            "States.TaskFailed"
          ],
          "IntervalSeconds": 10,
          "MaxAttempts": 2,
          "BackoffRate": 2.0
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.ModelEnsemble",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "ParallelTableCreation"
    },
    "ParallelTableCreation": {
      "Type": "Parallel",
      "Comment": "Create QA table + Final results table simultaneously",
      "Branches": [
        {
          "StartAt": "CreateQATable",
          "States": {
            "CreateQATable": {
              "Type": "Task",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}create-qa-table-lambda",
              "Retry": [
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 10,
                  "MaxAttempts": 2,
                  "BackoffRate": 2.0
                }
              ],
              "End": true
            }
          }
        },
        {
          "StartAt": "CreateFinalResults",
          "States": {
            "CreateFinalResults": {
              "Type": "Task",
              "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}create-results-table-lambda",
              "Retry": [
                {
                  "ErrorEquals": [
                    "States.TaskFailed"
                  ],
                  "IntervalSeconds": 10,
                  "MaxAttempts": 2,
                  "BackoffRate": 2.0
                }
              ],
              "End": true
            }
          }
        }
      ],
      "ResultPath": "$.parallel_tables",
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.ParallelTableCreation",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "UpdateKnowledgeBase"
    },
    "UpdateKnowledgeBase": {
      "Type": "Task",
      "Comment": "Seed \u00a77 knowledge base: this run's documents chunked, embedded and stored for the Q&A agent.",
      "Resource": "arn:aws:lambda:${Region}:${AccountId}:function:${Prefix}update-knowledge-base-lambda",
      "ResultPath": "$.knowledge_base",
      "Retry": [
        {
          "ErrorEquals": [
            "States.TaskFailed"
          ],
          "IntervalSeconds": 10,
          "MaxAttempts": 2,
          "BackoffRate": 2.0
        }
      ],
      "Catch": [
        {
          "ErrorEquals": [
            "States.ALL"
          ],
          "ResultPath": "$.error.UpdateKnowledgeBase",
          "Next": "PipelineFailed"
        }
      ],
      "Next": "PipelineSuccess"
    },
    "PipelineSuccess": {
      "Type": "Succeed"
    },
    "PipelineFailed": {
      "Type": "Fail",
      "Comment": "Every top-level Catch stores the error at $.error.<StageName>, so the Cause names the stage that failed and its original Error/Cause.",
      "Error": "PipelineFailed",
      "CausePath": "States.JsonToString($.error)"
    }
  }
}
